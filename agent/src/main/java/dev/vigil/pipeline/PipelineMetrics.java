package dev.vigil.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** The pipeline's meters, bound once. Thread-safe, except {@link #latency} (the pipeline thread's). */
public final class PipelineMetrics {
    private final Counter processed;
    private final Counter dropped;
    private final Counter errors;
    private final Counter decodedOnPipelineThread;
    private final LatencyHistogram latency;
    private final Counter sensorLost;
    private final Counter throttledProcess;
    private final Counter throttledSecurity;

    public PipelineMetrics(MeterRegistry registry) {
        processed = Counter.builder("vigil.events.processed").description("Events decoded and matched")
            .register(registry);
        dropped = Counter.builder("vigil.events.dropped")
            .description("Events lost inside the agent (drop policy, ring full)").register(registry);
        decodedOnPipelineThread = Counter.builder("vigil.pipeline.decoded.lines")
            .description("Lines the pipeline thread decoded, left undecoded by the ingest thread while the pipeline kept up "
                + "(the ingest thread decoded the other received lines)").register(registry);
        errors = Counter.builder("vigil.pipeline.errors")
            .description("Events whose enrichment or matching threw (still counted processed)").register(registry);
        sensorLost = Counter.builder("vigil.sensor.lost.events")
            .description("Events the sensor reported lost before they reached the agent (vigil_sensor_lost lines)")
            .register(registry);
        throttledProcess = throttled(registry, "process_budget");
        throttledSecurity = throttled(registry, "security_budget");
        latency = new LatencyHistogram(registry);
    }

    private static Counter throttled(MeterRegistry registry, String reason) {
        return Counter.builder("vigil.sensor.throttled.events").tag("reason", reason)
            .description("Events the sensor did not send because their cgroup was over its budget, by the budget "
                + "(vigil_sensor_throttle stop lines)")
            .register(registry);
    }

    void processed(long events) {
        processed.increment(events);
    }

    void decodedOnPipelineThread(long lines) {
        decodedOnPipelineThread.increment(lines);
    }

    void dropped() {
        dropped.increment();
    }

    void error() {
        errors.increment();
    }

    void sensorLost(long events) {
        sensorLost.increment(events);
    }

    void sensorThrottled(long processEvents, long securityEvents) {
        throttledProcess.increment(processEvents);
        throttledSecurity.increment(securityEvents);
    }

    /** The pipeline thread only (the histogram has one writer). */
    void latency(long nanos) {
        latency.record(nanos);
    }

    /** Events whose latency was recorded: equals the processed count once the ring is idle. */
    public long latencyCount() {
        return latency.count();
    }

    public long processedCount() {
        return (long) processed.count();
    }

    public long decodedOnPipelineThreadCount() {
        return (long) decodedOnPipelineThread.count();
    }

    public long droppedCount() {
        return (long) dropped.count();
    }

    public long errorCount() {
        return (long) errors.count();
    }
}
