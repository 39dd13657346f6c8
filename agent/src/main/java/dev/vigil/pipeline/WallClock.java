package dev.vigil.pipeline;

import java.util.function.LongSupplier;

/**
 * The wall clock (ns since the epoch) from a monotonic reading the caller already has: the reading
 * plus an offset re-read from the wall clock at most every {@link #REREAD_NANOS}, so a hot path pays
 * one clock read, not two. A wall-clock step (NTP, an operator) shows within 100 ms; the offset is
 * taken to the millisecond.
 *
 * <p>Threading: one instance per thread (unsynchronised).
 */
final class WallClock {
    static final long REREAD_NANOS = 100_000_000L;

    private final LongSupplier wallMillis;
    private boolean offsetSet;
    private long offsetReadNanos;
    private long wallMinusMonotonic;

    WallClock() {
        this(System::currentTimeMillis);
    }

    /** With another wall clock (tests). */
    WallClock(LongSupplier wallMillis) {
        this.wallMillis = wallMillis;
    }

    /** The wall clock at monotonic time {@code nanoNow} ({@link System#nanoTime()}'s timebase). */
    long epochNanos(long nanoNow) {
        if (!offsetSet || nanoNow - offsetReadNanos > REREAD_NANOS) {
            wallMinusMonotonic = wallMillis.getAsLong() * 1_000_000L - nanoNow;
            offsetReadNanos = nanoNow;
            offsetSet = true;
        }
        return nanoNow + wallMinusMonotonic;
    }
}
