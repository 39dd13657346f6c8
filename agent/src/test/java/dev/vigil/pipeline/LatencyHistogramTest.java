package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

    @Test
    void bucketsAreInclusiveUpperBoundsWithAnOverflowBucket() {
        LatencyHistogram h = new LatencyHistogram(new SimpleMeterRegistry());
        h.record(-5);          // a clock step: counted as 0, in the first bucket
        h.record(10_000);      // exactly 10 µs: le="1.0E-5"
        h.record(10_001);      // just above: le="2.5E-5"
        h.record(750_000);     // le="0.001"
        h.record(2_000_000);   // le="0.0025"
        h.record(30_000_000);  // le="0.05"
        h.record(2_000_000_000L); // above 1 s: +Inf only
        long[] c = h.cumulativeCounts();
        // le: 10µ 25µ 50µ 100µ 250µ 500µ 1m 2.5m 5m 10m 25m 50m 100m 250m 500m 1s +Inf
        assertEquals(17, c.length);
        assertArrayEquals(new long[] {2, 3, 3, 3, 3, 3, 4, 5, 5, 5, 5, 6, 6, 6, 6, 6, 7}, c);
        assertEquals(7, h.count());
        assertEquals(10_000 + 10_001 + 750_000 + 2_000_000 + 30_000_000 + 2_000_000_000L, (long) h.sumNanos());
    }

    @Test
    void prometheusShowsTheSameHistogramTheTimerDid() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        PipelineMetrics metrics = new PipelineMetrics(registry);
        for (int i = 0; i < 7; i++) {
            metrics.processed(1);
            metrics.latency(i < 5 ? 6_000 : 300_000);
        }
        String text = registry.scrape();
        assertTrue(text.contains("# TYPE vigil_event_latency_seconds histogram"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_bucket{le=\"1.0E-5\"} 5"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_bucket{le=\"0.0025\"} 7"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_bucket{le=\"0.25\"} 7")
            || text.contains("vigil_event_latency_seconds_bucket{le=\"0.5\"} 7"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_bucket{le=\"+Inf\"} 7"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_count 7"), text);
        assertTrue(text.contains("vigil_event_latency_seconds_sum 6.3E-4")
            || text.contains("vigil_event_latency_seconds_sum 0.00063"), text);
        assertTrue(text.contains("vigil_events_processed_total 7"), text);
        assertEquals(7, metrics.latencyCount());
    }

    @Test
    void otherRegistriesSeeAFunctionTimer() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(registry);
        metrics.latency(1_000);
        metrics.latency(3_000);
        FunctionTimer t = registry.get("vigil.event.latency").functionTimer();
        assertEquals(2.0, t.count());
        assertEquals(4_000.0, t.totalTime(TimeUnit.NANOSECONDS));
    }
}
