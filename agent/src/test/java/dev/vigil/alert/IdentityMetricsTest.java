package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.runtime.IdentitySource;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** DESIGN.md's metric name on /metrics: every result from the start, before any alert. */
class IdentityMetricsTest {
    @Test
    void scrapeShowsEveryResultOfTheDesignName() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new IdentityWait(IdentitySource.NONE, 300, 10, new MockClock(), registry, a -> { });
        String text = registry.scrape();
        for (String result : new String[] {"resolved", "late", "unresolved"}) {
            assertTrue(text.contains("vigil_state_identity_total{result=\"" + result + "\"} 0.0"), text);
        }
        assertTrue(text.contains("vigil_alerts_identity_queue_full_total 0.0"), text);
        assertTrue(text.contains("vigil_alerts_identity_waiting 0.0"), text);
    }
}
