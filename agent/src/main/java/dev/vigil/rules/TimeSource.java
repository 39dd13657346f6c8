package dev.vigil.rules;

import dev.vigil.event.Event;
import dev.vigil.event.Field;

import java.util.function.LongSupplier;

/**
 * What "now" is for aggregate windows and baseline learning periods: the event's own time
 * ({@code evt.rawtime}; for replay, so a file gives the same alerts however fast it is read), the
 * wall clock, or, live, the event's own time when it is plausible against the wall clock (else the
 * wall clock): the sensor replays what it kept while the agent was away in a burst, and those events
 * must count in the windows of when they happened, not all in the second they arrived. Immutable;
 * thread-safe if the clock is.
 */
public final class TimeSource {
    private final LongSupplier wallNanos;
    private final long maxBehindNanos;
    private final long maxAheadNanos;

    private TimeSource(LongSupplier wallNanos) {
        this(wallNanos, -1, -1);
    }

    private TimeSource(LongSupplier wallNanos, long maxBehindNanos, long maxAheadNanos) {
        this.wallNanos = wallNanos;
        this.maxBehindNanos = maxBehindNanos;
        this.maxAheadNanos = maxAheadNanos;
    }

    /** How far behind the wall clock a live event's own time is still believed: a sensor's backlog. */
    public static final long LIVE_MAX_BEHIND_NANOS = 3_600_000_000_000L;
    /** How far ahead: clocks of one node's producers, and the events of a batch, differ by little. */
    public static final long LIVE_MAX_AHEAD_NANOS = 5_000_000_000L;

    /**
     * Live: {@code evt.rawtime} when it lies within [wall − maxBehind, wall + maxAhead], else the wall
     * clock (an event without a time, or from a producer whose clock is off).
     */
    public static TimeSource liveTime(LongSupplier epochNanos, long maxBehindNanos, long maxAheadNanos) {
        return new TimeSource(epochNanos, maxBehindNanos, maxAheadNanos);
    }

    /** Live, with the agent's bounds ({@link #LIVE_MAX_BEHIND_NANOS}, {@link #LIVE_MAX_AHEAD_NANOS}). */
    public static TimeSource liveTime(LongSupplier epochNanos) {
        return liveTime(epochNanos, LIVE_MAX_BEHIND_NANOS, LIVE_MAX_AHEAD_NANOS);
    }

    /** Event time: {@code evt.rawtime} drives windows. */
    public static TimeSource eventTime() {
        return new TimeSource(null);
    }

    /** Wall time from a clock giving ns since the epoch (tests inject a fake). */
    public static TimeSource wallTime(LongSupplier epochNanos) {
        return new TimeSource(epochNanos);
    }

    public boolean isEventTime() {
        return wallNanos == null;
    }

    long now(Event e) {
        if (wallNanos == null) {
            return e.getLong(Field.EVT_RAWTIME);
        }
        long wall = wallNanos.getAsLong();
        if (maxBehindNanos >= 0 && e.has(Field.EVT_RAWTIME)) {
            long t = e.getLong(Field.EVT_RAWTIME);
            if (t >= wall - maxBehindNanos && t <= wall + maxAheadNanos) {
                return t;
            }
        }
        return wall;
    }
}
