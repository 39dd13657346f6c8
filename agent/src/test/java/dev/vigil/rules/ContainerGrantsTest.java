package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class ContainerGrantsTest {
    private final ContainerGrants grants = new ContainerGrants(new SimpleMeterRegistry());
    private final TimeSource time = TimeSource.wallTime(() -> 1_000_000_000L);

    @Test
    void idsThatShareTheirEndsButDifferInTheMiddleKeepTheirOwnGrants() {
        // The set is picked by the ids' ends: the whole id must still tell them apart.
        String a = "0123456789abcdef" + "0".repeat(32) + "fedcba9876543210";
        String b = "0123456789abcdef" + "0".repeat(15) + "1" + "0".repeat(16) + "fedcba9876543210";
        String shortA = "web-1";
        String shortB = "web-2";
        grants.fill(execve(a, 0x1), time);
        grants.fill(execve(b, 0x2), time);
        grants.fill(execve(shortA, 0x4), time);
        grants.fill(execve(shortB, 0x8), time);
        assertEquals(0x1, grants.grantOf(a));
        assertEquals(0x2, grants.grantOf(b));
        assertEquals(0x4, grants.grantOf(shortA));
        assertEquals(0x8, grants.grantOf(shortB));
        assertEquals(-1, grants.grantOf("0123456789abcdef" + "0".repeat(14) + "2" + "0".repeat(17) + "fedcba9876543210"));
    }

    private static Event execve(String containerId, long caps) {
        Event e = new Event();
        e.setText(Field.EVT_TYPE, "execve");
        e.setEventType(EventTypes.EXECVE);
        e.setText(Field.CONTAINER_ID, containerId);
        e.setLong(Field.THREAD_CAP_EFFECTIVE, caps);
        e.setLong(Field.THREAD_CAP_PERMITTED, caps);
        return e;
    }
}
