package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The wall clock from a monotonic reading: one wall-clock read per 100 ms of monotonic time. */
class WallClockTest {
    private final AtomicLong wallMillis = new AtomicLong(1_795_000_000_000L);
    private final AtomicLong wallReads = new AtomicLong();
    private final WallClock clock = new WallClock(() -> {
        wallReads.incrementAndGet();
        return wallMillis.get();
    });

    @Test
    void isTheMonotonicReadingPlusTheOffsetTakenAtTheFirstReading() {
        long mono = 5_000_000_000L;
        assertEquals(1_795_000_000_000_000_000L, clock.epochNanos(mono));
        assertEquals(1_795_000_000_000_000_000L + 7_654_321L, clock.epochNanos(mono + 7_654_321L));
        assertEquals(1, wallReads.get(), "one wall-clock read for both");
    }

    @Test
    void aWallClockStepShowsOnceAHundredMillisecondsHavePassed() {
        long mono = 5_000_000_000L;
        clock.epochNanos(mono);
        wallMillis.addAndGet(60_000); // the wall clock is stepped a minute forward
        assertEquals(1_795_000_000_000_000_000L + 100_000_000L, clock.epochNanos(mono + WallClock.REREAD_NANOS),
            "within 100 ms the old offset holds");
        assertEquals(1, wallReads.get());
        long later = mono + WallClock.REREAD_NANOS + 1;
        assertEquals((1_795_000_000_000L + 60_000) * 1_000_000L, clock.epochNanos(later), "past 100 ms it is re-read");
        assertEquals(2, wallReads.get());
    }
}
