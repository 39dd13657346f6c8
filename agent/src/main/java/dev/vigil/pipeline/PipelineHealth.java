package dev.vigil.pipeline;

import dev.vigil.metrics.HealthCheck;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Health from the pipeline's progress: unhealthy while events wait in the ring and the consumer has
 * not advanced for the stall period, or when events were dropped within that period. Ready once
 * the socket listens and the rules are loaded.
 *
 * <p>Threading: {@link #sample()} from one scheduler thread; the answers from any thread.
 */
public final class PipelineHealth implements HealthCheck {
    private final EventPipeline pipeline;
    private final long stallNanos;
    private final LongSupplier nanoClock;
    private final BooleanSupplier listening;
    private final BooleanSupplier rulesLoaded;

    private long lastConsumed = Long.MIN_VALUE;
    private long lastProgressNanos;
    private long lastDropped;
    private long lastDropNanos = Long.MIN_VALUE;
    private volatile String unhealthy;

    public PipelineHealth(EventPipeline pipeline, long stallNanos, LongSupplier nanoClock,
                          BooleanSupplier listening, BooleanSupplier rulesLoaded) {
        this.pipeline = pipeline;
        this.stallNanos = stallNanos;
        this.nanoClock = nanoClock;
        this.listening = listening;
        this.rulesLoaded = rulesLoaded;
        this.lastProgressNanos = nanoClock.getAsLong();
    }

    /** Takes one reading; call about once a second. */
    public synchronized void sample() {
        long now = nanoClock.getAsLong();
        long consumed = pipeline.consumedSequence();
        long backlog = pipeline.backlog();
        if (consumed != lastConsumed || backlog == 0) {
            lastConsumed = consumed;
            lastProgressNanos = now;
        }
        long dropped = pipeline.metrics().droppedCount();
        if (dropped != lastDropped) {
            lastDropped = dropped;
            lastDropNanos = now;
        }
        if (now - lastProgressNanos > stallNanos) {
            unhealthy = "pipeline stalled: " + backlog + " events waiting, no progress for "
                + (now - lastProgressNanos) / 1_000_000_000L + " s";
        } else if (lastDropNanos != Long.MIN_VALUE && now - lastDropNanos <= stallNanos) {
            unhealthy = "losing events: " + dropped + " dropped so far, the last within "
                + stallNanos / 1_000_000_000L + " s (ring full under the drop policy)";
        } else {
            unhealthy = null;
        }
    }

    @Override
    public String unhealthyReason() {
        return unhealthy;
    }

    @Override
    public String notReadyReason() {
        if (!listening.getAsBoolean()) {
            return "event socket not listening";
        }
        if (!rulesLoaded.getAsBoolean()) {
            return "rules not loaded";
        }
        return null;
    }
}
