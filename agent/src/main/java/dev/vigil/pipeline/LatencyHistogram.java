package dev.vigil.pipeline;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.Unit;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code vigil.event.latency}: a fixed-bucket histogram written by one thread (the pipeline's) with
 * plain stores, read by the scrape. A Micrometer Timer costs a third of the pipeline thread's busy
 * time (adders, a time-windowed max, atomic bucket increments, clock reads); this costs a short
 * bucket scan and three stores per event.
 *
 * <p>Exported as the same Prometheus histogram {@code vigil_event_latency_seconds} (cumulative
 * {@code _bucket{le}}, {@code _count}, {@code _sum}, buckets 10 µs … 1 s) on a
 * {@link PrometheusMeterRegistry}; on any other registry as a Micrometer FunctionTimer (count and
 * total), which is what a SimpleMeterRegistry could show of a Timer anyway. A scrape reads each
 * bucket once and derives {@code _count} from them, so a snapshot is self-consistent
 * ({@code +Inf == _count}); it may miss the events recorded during the scrape, never count one twice.
 *
 * <p>Threading: {@link #record} from one thread only; the readers from any thread.
 */
public final class LatencyHistogram {
    static final String NAME = "vigil.event.latency";
    static final String PROMETHEUS_NAME = "vigil_event_latency_seconds";
    private static final String HELP = "Receive to end of matching";
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    private static final VarHandle SUM;

    static {
        try {
            SUM = MethodHandles.lookup().findVarHandle(LatencyHistogram.class, "sumNanos", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Upper bounds, inclusive (Prometheus' {@code le}), in ns; the last bucket is +Inf. A 1-2.5-5 series
     * throughout, so a quantile in the millisecond range (where a stall shows) is interpolated within
     * a factor of 2.5, not 5.
     */
    static final long[] BOUNDS_NANOS = {10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000,
        2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000, 500_000_000,
        1_000_000_000};

    /** Per-bucket (not cumulative) counts; index BOUNDS_NANOS.length is +Inf. */
    private final long[] counts = new long[BOUNDS_NANOS.length + 1];
    @SuppressWarnings("unused") // through SUM
    private long sumNanos;

    public LatencyHistogram(MeterRegistry registry) {
        if (registry instanceof PrometheusMeterRegistry prometheus) {
            prometheus.getPrometheusRegistry().register(this::snapshot);
        } else {
            FunctionTimer.builder(NAME, this, LatencyHistogram::count, LatencyHistogram::sumNanos, TimeUnit.NANOSECONDS)
                .description(HELP).register(registry);
        }
    }

    /** One event's latency. The pipeline thread only. */
    public void record(long nanos) {
        long v = nanos < 0 ? 0 : nanos;
        int i = 0;
        long[] b = BOUNDS_NANOS;
        while (i < b.length && v > b[i]) {
            i++;
        }
        long[] c = counts;
        LONGS.setOpaque(c, i, c[i] + 1);
        SUM.setOpaque(this, sumNanos + v);
    }

    public long count() {
        long n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += (long) LONGS.getOpaque(counts, i);
        }
        return n;
    }

    double sumNanos() {
        return (long) SUM.getOpaque(this);
    }

    /** Cumulative counts by bucket, +Inf last. */
    long[] cumulativeCounts() {
        long[] out = new long[counts.length];
        long n = 0;
        for (int i = 0; i < counts.length; i++) {
            n += (long) LONGS.getOpaque(counts, i);
            out[i] = n;
        }
        return out;
    }

    private HistogramSnapshot snapshot() {
        double sumSeconds = (long) SUM.getOpaque(this) / 1e9;
        long[] cumulative = cumulativeCounts();
        long[] perBucket = new long[cumulative.length];
        double[] bounds = new double[cumulative.length];
        for (int i = 0; i < cumulative.length; i++) {
            perBucket[i] = cumulative[i] - (i == 0 ? 0 : cumulative[i - 1]);
            bounds[i] = i < BOUNDS_NANOS.length ? BOUNDS_NANOS[i] / 1e9 : Double.POSITIVE_INFINITY;
        }
        HistogramSnapshot.HistogramDataPointSnapshot point = new HistogramSnapshot.HistogramDataPointSnapshot(
            ClassicHistogramBuckets.of(bounds, perBucket), sumSeconds, Labels.EMPTY, null, 0L);
        return new HistogramSnapshot(new MetricMetadata(PROMETHEUS_NAME, HELP, Unit.SECONDS), List.of(point));
    }
}
