package dev.vigil.config;

import java.util.List;

/**
 * The Disruptor ring between the socket and the stages.
 *
 * @param ringSize     slots in the ring, a power of two
 * @param waitStrategy how the pipeline thread waits for events
 * @param backpressure what a full ring does to producers
 */
public record PipelineConfig(Integer ringSize, WaitStrategyName waitStrategy, Backpressure backpressure) {
    /**
     * 2 Ki slots of ~2.5 KiB: ~5 MiB, which the L3 cache holds, so a slot is still warm when the ring
     * comes round (16 Ki slots, ~40 MiB, were cold every time: a third less throughput). ~2 ms of burst
     * at full rate, 20 ms at a busy node's 100k events/s; a longer burst waits in the socket and the
     * sensor's ring under the block policy.
     */
    public static final int DEFAULT_RING_SIZE = 2 * 1024;

    public enum WaitStrategyName {
        /** Spin ~µs, yield ~200 µs, then park until an event is published (woken by it): ~0 CPU idle, µs latency. The default. */
        adaptive,
        /** Spin, then yield, then sleep 100 µs at a time: the Disruptor's SleepingWaitStrategy. */
        sleeping,
        /** Spin, then yield: lowest latency short of busy spin, burns a core while idle. */
        yielding,
        /** A lock and condition: lowest idle CPU, slowest hand-off. */
        blocking,
        /** Spins forever: one core taken for good. Only with cores to spare. */
        busyspin
    }

    public enum Backpressure {
        /** A full ring stops the socket being read: producers block, nothing is lost. */
        block,
        /** A full ring drops the line, counted in vigil_events_dropped_total. */
        drop
    }

    public PipelineConfig {
        ringSize = ringSize != null ? ringSize : DEFAULT_RING_SIZE;
        waitStrategy = waitStrategy != null ? waitStrategy : WaitStrategyName.adaptive;
        backpressure = backpressure != null ? backpressure : Backpressure.block;
    }

    public static PipelineConfig defaults() {
        return new PipelineConfig(null, null, null);
    }

    void validate(List<String> errors) {
        if (ringSize < 2 || Integer.bitCount(ringSize) != 1 || ringSize > (1 << 22)) {
            errors.add("pipeline.ringSize must be a power of two between 2 and 4194304");
        }
    }
}
