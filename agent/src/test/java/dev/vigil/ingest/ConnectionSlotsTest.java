package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Who keeps a place and who gives one up; time is passed in, so nothing here waits. */
class ConnectionSlotsTest {
    private static final long S = 1_000_000_000L;
    private final ConnectionSlots<String> slots = new ConnectionSlots<>(3, S, 60 * S);

    @Test
    void idleConnectionsNeverKeepOutANewcomerTheOldestIdleGoesFirst() {
        for (int i = 0; i < 200; i++) {
            var a = slots.admit("idle" + i, false, i);
            assertTrue(a.admitted(), "idle connection " + i);
            if (i >= 3) {
                assertEquals("idle" + (i - 3), a.replaced().connection, "the one idle longest");
            }
        }
        var producer = slots.admit("producer", false, 1000);
        assertTrue(producer.admitted());
        assertEquals("idle197", producer.replaced().connection);
        assertEquals(3, slots.size());
    }

    @Test
    void aProducerThatDeliversKeepsItsPlaceAgainstAnyNumberOfNewcomers() {
        var producer = slots.admit("producer", false, 0).slot();
        slots.line(producer, true, 10);
        for (int i = 0; i < 1000; i++) {
            var a = slots.admit("idle" + i, false, 20 + i);
            assertTrue(a.admitted());
            slots.line(producer, true, 20 + i); // still sending
            if (a.replaced() != null) {
                assertFalse(a.replaced().connection.equals("producer"), "the producer was replaced at " + i);
            }
        }
    }

    @Test
    void garbageAndKeepAlivesAndSlowLorisAreNotDelivery() {
        var garbage = slots.admit("garbage", false, 0).slot();
        var keepAlive = slots.admit("keepalive", false, 1).slot();
        var producer = slots.admit("producer", false, 2).slot();
        slots.line(producer, true, 3);
        slots.line(garbage, false, 100);   // rejected lines, a lot of them
        slots.line(keepAlive, false, 100); // blank lines
        var a = slots.admit("newcomer", false, 101);
        assertEquals("garbage", a.replaced().connection, "never delivered, connected first");
        var b = slots.admit("newcomer2", false, 102);
        assertEquals("keepalive", b.replaced().connection);
    }

    @Test
    void whenEveryPlaceDeliveredWithinTheGraceANewcomerIsRefused() {
        for (String p : List.of("a", "b", "c")) {
            slots.line(slots.admit(p, false, 0).slot(), true, 5 * S);
        }
        assertFalse(slots.admit("late", false, 5 * S + S - 1).admitted(), "all delivered within 1 s");
        var after = slots.admit("later", false, 6 * S);
        assertTrue(after.admitted(), "quiet for the grace: replaceable");
        assertEquals("a", after.replaced().connection);
    }

    @Test
    void theTrustedProducerAlwaysGetsInAndIsNeverReplacedNorExpired() {
        for (String p : List.of("a", "b", "c")) {
            slots.line(slots.admit(p, false, 0).slot(), true, 5 * S);
        }
        var sensor = slots.admit("sensor", true, 5 * S);
        assertTrue(sensor.admitted(), "even when every place is active");
        assertEquals("a", sensor.replaced().connection);
        for (int i = 0; i < 100; i++) {
            var a = slots.admit("x" + i, false, 100 * S + i);
            if (a.replaced() != null) {
                assertFalse("sensor".equals(a.replaced().connection));
            }
        }
        List<String> expired = slots.expire(10_000 * S);
        assertFalse(expired.contains("sensor"));
        assertEquals(1, slots.size(), "only the sensor is left");
    }

    @Test
    void aConnectionWithNoLineForTheTimeoutExpiresAndAKeepAliveKeepsItOpen() {
        slots.admit("quiet", false, 0);
        var alive = slots.admit("alive", false, 0).slot();
        slots.admit("loris", false, 0); // bytes but never a whole line: no call at all
        slots.line(alive, false, 59 * S);
        assertEquals(List.of(), slots.expire(60 * S - 1));
        assertEquals(List.of("quiet", "loris"), slots.expire(60 * S));
        assertEquals(List.of("alive"), slots.expire(119 * S));
        assertEquals(0, slots.size());
    }
}
