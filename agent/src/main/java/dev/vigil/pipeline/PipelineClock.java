package dev.vigil.pipeline;

import io.micrometer.core.instrument.Clock;

/**
 * The pipeline thread's clock: one clock read for several events instead of one per stage. The stage
 * handler reads the monotonic clock ({@link #advance}) after every eighth event and at each batch's end
 * (the events' latencies end there), and that reading is "now" for the events that follow; it reads it
 * again at the start of each batch, so an event after a quiet spell never sees the time before it.
 * "Now" is thus at most eight events' processing old (µs), which the state's expiries (seconds) and
 * the rules' windows and plausibility checks (seconds) cannot tell apart. The wall clock is the
 * monotonic reading plus an offset re-read every 100 ms ({@link WallClock}).
 *
 * <p>A Micrometer {@link Clock} for the stages built on one ({@code StateEnricher}), and
 * {@link #epochNanos} for the rules' {@code TimeSource}.
 *
 * <p>Threading: written and read by the pipeline thread only (and by whoever builds the stages before
 * the pipeline starts); another thread would read a time as old as the pipeline's last event.
 */
public final class PipelineClock implements Clock {
    /** Events the stage handler processes between readings within a batch. */
    public static final int EVENTS_PER_READ = 8;

    private final WallClock wall = new WallClock();
    private long monotonicNanos;

    public PipelineClock() {
        advance();
    }

    /**
     * Reads the monotonic clock: the time for what follows (and returns it). After every eighth event and
     * at a batch's end, and at a batch's start or an idle timeout, when the last reading may be a quiet
     * spell old.
     */
    public long advance() {
        return monotonicNanos = System.nanoTime();
    }

    @Override
    public long monotonicTime() {
        return monotonicNanos;
    }

    @Override
    public long wallTime() {
        return epochNanos() / 1_000_000L;
    }

    /** Nanoseconds since the epoch, at the last reading (millisecond precision). */
    public long epochNanos() {
        return wall.epochNanos(monotonicNanos);
    }
}
