package dev.vigil.bench.pipeline;

import dev.vigil.pipeline.LatencyHistogram;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Recording one event's latency on the pipeline thread: the agent's single-writer
 * {@link LatencyHistogram} beside the Micrometer Timer with the same SLO buckets on a Prometheus
 * registry (what the agent used before), same values in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class LatencyRecordBenchmark {
    static final int N = 1024;

    private final long[] values = new long[N];
    private LatencyHistogram histogram;
    private Timer timer;

    @Setup
    public void setup() {
        // Mostly a few µs, a tail up to ms: what the agent sees.
        java.util.SplittableRandom r = new java.util.SplittableRandom(1);
        for (int i = 0; i < N; i++) {
            values[i] = r.nextInt(100) < 95 ? 2_000 + r.nextInt(10_000) : r.nextInt(5_000_000);
        }
        histogram = new LatencyHistogram(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        timer = Timer.builder("baseline.latency")
            .serviceLevelObjectives(Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000),
                Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
                Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
                Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250),
                Duration.ofMillis(500), Duration.ofSeconds(1))
            .register(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long vigilHistogram() {
        for (long v : values) {
            histogram.record(v);
        }
        return histogram.count();
    }

    @Benchmark
    @OperationsPerInvocation(N)
    public long baselineMicrometerTimer() {
        for (long v : values) {
            timer.record(v, TimeUnit.NANOSECONDS);
        }
        return timer.count();
    }
}
