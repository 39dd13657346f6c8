package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.TestAlerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every sink must do, run through a {@link SinkDelivery} as the agent runs it: deliver in
 * order, keep alerts through an outage of the destination and deliver them after it, close
 * idempotently. Each sink's test extends this with its destination.
 */
abstract class AlertSinkContractTest {
    @TempDir
    Path tmp;
    private SinkDelivery delivery;
    private AlertSink sink;

    /** A new sink for the test's destination. */
    abstract AlertSink newSink() throws Exception;

    /** What the destination received so far, in order. */
    abstract List<Alert> received() throws Exception;

    /** Whether {@link #destination} can simulate an outage. */
    boolean supportsOutage() {
        return true;
    }

    /** Takes the destination down or brings it back. */
    void destination(boolean up) throws Exception {
    }

    private SinkDelivery start() throws Exception {
        sink = newSink();
        delivery = new SinkDelivery("contract", sink, AlertFilter.ALL, 1000,
            new DiskSpool(tmp.resolve("spool"), 1 << 22, 1 << 16), Duration.ofMillis(200),
            (o, s, q) -> new OutputMetrics(new SimpleMeterRegistry(), o, s, q)).start();
        return delivery;
    }

    @AfterEach
    void closeDelivery() {
        if (delivery != null) {
            delivery.close(Duration.ofSeconds(1));
        }
    }

    private List<String> uuids(List<Alert> alerts) {
        List<String> out = new ArrayList<>();
        for (Alert a : alerts) {
            out.add(a.uuid());
        }
        return out;
    }

    @Test
    void deliversInOrder() throws Exception {
        SinkDelivery d = start();
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            Alert a = TestAlerts.numbered(i);
            sent.add(a);
            d.offer(a);
        }
        assertTrue(d.flush(Duration.ofSeconds(30)));
        SinkDeliveryTest.await(() -> {
            try {
                return received().size() >= 300;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "300 alerts at the destination");
        assertEquals(uuids(sent), uuids(received()));
        assertEquals(sent.get(7), received().get(7));
    }

    @Test
    void keepsAlertsThroughAnOutageAndDeliversThemAfter() throws Exception {
        Assumptions.assumeTrue(supportsOutage(), "this destination cannot be taken down");
        SinkDelivery d = start();
        d.offer(TestAlerts.numbered(0));
        assertTrue(d.flush(Duration.ofSeconds(30)));
        destination(false);
        Set<String> sent = new HashSet<>();
        for (int i = 1; i < 100; i++) {
            Alert a = TestAlerts.numbered(i);
            sent.add(a.uuid());
            d.offer(a);
        }
        SinkDeliveryTest.await(() -> d.isDown() && d.pending() == 0 && d.spooled() >= 99, "the outage spooled");
        destination(true);
        assertTrue(d.flush(Duration.ofSeconds(30)));
        SinkDeliveryTest.await(() -> {
            try {
                return new HashSet<>(uuids(received())).containsAll(sent);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "every alert after the outage");
    }

    @Test
    void closeIsIdempotent() throws Exception {
        SinkDelivery d = start();
        d.offer(TestAlerts.numbered(0));
        d.close(Duration.ofSeconds(5));
        d.close(Duration.ofSeconds(5));
        sink.close(Duration.ofSeconds(1));
        SinkDeliveryTest.await(() -> {
            try {
                return received().size() == 1;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }, "the alert sent before close");
        assertEquals(0, d.spooled());
    }
}
