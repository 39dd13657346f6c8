package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.StateConfig;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The posture meters on /metrics from the start, before any container: one gauge per container finding at
 * 0 (the bounded set the dashboard and the alert rules select; a process's finding, {@code privileged_exec},
 * is a counter, not a gauge), the privileged exec counter, and the sandbox reads by result.
 */
class PostureMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void scrapeShowsEveryFindingAndResultAtZero() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new StateEnricher(new StateConfig("/nonexistent/vigil-test", "/nonexistent/vigil-test", tmp.toString(), 1024),
            registry, new MockClock());
        String text = registry.scrape();
        List<String> gauges = text.lines().filter(l -> l.startsWith("vigil_posture_containers{")).toList();
        assertEquals(SandboxFinding.values().length - 1, gauges.size(), String.join("\n", gauges));
        for (SandboxFinding f : SandboxFinding.values()) {
            String line = "vigil_posture_containers{finding=\"" + f.label() + "\"} 0.0";
            assertEquals(f != SandboxFinding.PRIVILEGED_EXEC, text.contains(line), line);
        }
        assertTrue(text.contains("vigil_posture_privileged_execs_total 0.0"), text);
        for (String result : new String[] {"ok", "vanished", "failed", "limited", "refused"}) {
            assertTrue(text.contains("vigil_state_sandbox_reads_total{result=\"" + result + "\"} 0.0"), result);
        }
    }
}
