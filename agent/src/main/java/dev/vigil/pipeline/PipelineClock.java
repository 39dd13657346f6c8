package dev.vigil.pipeline;

import io.micrometer.core.instrument.Clock;

/**
 * The pipeline thread's clock: one clock read an event instead of one per stage. The stage handler
 * reads the monotonic clock once after each event ({@link #advance}, for the event's latency), and that
 * reading is "now" for the next event's state and rules; it reads it again at the start of each batch,
 * so an event after a quiet spell never sees the time before it. "Now" is thus
 * at most one event's processing old (µs), which the state's expiries (seconds) and the rules' windows
 * and plausibility checks (seconds) cannot tell apart. The wall clock is the monotonic reading plus an
 * offset re-read every 100 ms ({@link WallClock}).
 *
 * <p>A Micrometer {@link Clock} for the stages built on one ({@code StateEnricher}), and
 * {@link #epochNanos} for the rules' {@code TimeSource}.
 *
 * <p>Threading: written and read by the pipeline thread only (and by whoever builds the stages before
 * the pipeline starts); another thread would read a time as old as the pipeline's last event.
 */
public final class PipelineClock implements Clock {
    private final WallClock wall = new WallClock();
    private long monotonicNanos;

    public PipelineClock() {
        advance();
    }

    /**
     * Reads the monotonic clock: the time for what follows (and returns it). After each event, and at a
     * batch's start or an idle timeout, when the last event's reading may be a quiet spell old.
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
