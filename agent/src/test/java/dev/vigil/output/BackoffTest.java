package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private static void assertBetween(long lo, long hi, long v) {
        assertTrue(v >= lo && v <= hi, v + " not in [" + lo + ", " + hi + "]");
    }

    @Test
    void doublesFromTheInitialDelayWithEqualJitterUpToTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(1000));
        long ms = 1_000_000;
        for (int run = 0; run < 200; run++) {
            b.reset();
            assertBetween(50 * ms, 100 * ms, b.failed());
            assertBetween(100 * ms, 200 * ms, b.failed());
            assertBetween(200 * ms, 400 * ms, b.failed());
            assertBetween(400 * ms, 800 * ms, b.failed());
            for (int i = 0; i < 40; i++) {
                assertBetween(500 * ms, 1000 * ms, b.failed());
            }
            assertEquals(44, b.attempts());
        }
    }

    @Test
    void aCapBelowTheInitialDelayCapsTheFirstWaitToo() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofMillis(10));
        assertBetween(5_000_000, 10_000_000, b.failed());
    }

    @Test
    void resetStartsOver() {
        Backoff b = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30));
        for (int i = 0; i < 10; i++) {
            b.failed();
        }
        b.reset();
        assertEquals(0, b.attempts());
        assertBetween(50_000_000, 100_000_000, b.failed());
    }
}
