package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.TestAlerts;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnconfirmedWindowTest {
    private static List<Alert> alerts(int from, int n) {
        List<Alert> l = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            l.add(TestAlerts.numbered(i));
        }
        return l;
    }

    @Test
    void confirmsWhatWasFlushedAtLeastTheDelayAgo() {
        UnconfirmedWindow w = new UnconfirmedWindow(100);
        w.flushed(alerts(0, 3), 1_000);
        w.flushed(alerts(3, 2), 2_000);
        assertFalse(w.oldestDue(1_500, 1_000));
        assertTrue(w.oldestDue(2_000, 1_000));
        w.confirm(2_500, 1_000);
        assertEquals(2, w.size());
        w.confirm(3_000, 1_000);
        assertTrue(w.isEmpty());
    }

    @Test
    void drainsOldestFirstForResendingAndEmpties() {
        UnconfirmedWindow w = new UnconfirmedWindow(100);
        List<Alert> sent = alerts(0, 5);
        w.flushed(sent, 1);
        List<Alert> resent = new ArrayList<>();
        w.drainTo(resent::add);
        assertEquals(sent, resent);
        assertTrue(w.isEmpty());
    }

    @Test
    void beyondItsBoundTheOldestCountAsDelivered() {
        UnconfirmedWindow w = new UnconfirmedWindow(4);
        w.flushed(alerts(0, 6), 1);
        assertEquals(4, w.size());
        List<Alert> resent = new ArrayList<>();
        w.drainTo(resent::add);
        assertEquals(alerts(2, 4).stream().map(Alert::output).toList(), resent.stream().map(Alert::output).toList());
    }
}
