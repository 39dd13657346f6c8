package dev.vigil.pipeline;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** The pipeline's meters, bound once. Thread-safe. */
public final class PipelineMetrics {
    private final Counter processed;
    private final Counter dropped;
    private final Counter errors;
    private final Timer latency;
    private final Counter sensorLost;

    public PipelineMetrics(MeterRegistry registry) {
        processed = Counter.builder("vigil.events.processed").description("Events decoded and matched")
            .register(registry);
        dropped = Counter.builder("vigil.events.dropped")
            .description("Events lost inside the agent (drop policy, ring full)").register(registry);
        errors = Counter.builder("vigil.pipeline.errors")
            .description("Events whose enrichment or matching threw (still counted processed)").register(registry);
        sensorLost = Counter.builder("vigil.sensor.lost.events")
            .description("Events the sensor reported lost before they reached the agent (vigil_sensor_lost lines)")
            .register(registry);
        latency = Timer.builder("vigil.event.latency").description("Receive to end of matching")
            .serviceLevelObjectives(Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000),
                Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
                Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(50),
                Duration.ofMillis(100), Duration.ofMillis(500), Duration.ofSeconds(1))
            .register(registry);
    }

    void processed() {
        processed.increment();
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

    void latency(long nanos) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
    }

    public long processedCount() {
        return (long) processed.count();
    }

    public long droppedCount() {
        return (long) dropped.count();
    }

    public long errorCount() {
        return (long) errors.count();
    }
}
