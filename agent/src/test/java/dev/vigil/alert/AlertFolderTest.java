package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.AlertsConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertFolderTest {
    /** A clock the test moves by hand. */
    static final class FakeClock extends Clock {
        long millis = 1_795_000_000_000L;

        void advance(Duration d) {
            millis += d.toMillis();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public long millis() {
            return millis;
        }
    }

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final FakeClock clock = new FakeClock();
    private final List<Alert> out = new ArrayList<>();

    private AlertFolder folder(Integer period, Integer maxKeys, Double rate, Integer burst) {
        return new AlertFolder(new AlertsConfig(period, null, maxKeys, rate, burst, "/tmp/unused"), clock,
            new AlertMetrics(registry), out::add);
    }

    private double suppressed(String rule) {
        return registry.get("vigil.alerts.suppressed").tag("rule", rule).counter().count();
    }

    @Test
    void foldsSameRuleAndKeyWithinPeriodThenSendsSummary() {
        AlertFolder f = folder(60, null, 0.0, null);
        for (int i = 0; i < 10; i++) {
            f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 100 + i, i));
            clock.advance(Duration.ofSeconds(1));
        }
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c2", 1, 0));
        f.emit(TestAlerts.alert("Other", Priority.WARNING, "c1", 1, 0));
        assertEquals(3, out.size());
        assertEquals(9, suppressed("R"));
        f.sweep();
        assertEquals(3, out.size());
        clock.advance(Duration.ofSeconds(51));
        f.sweep();
        assertEquals(4, out.size());
        Alert s = out.get(3);
        assertEquals(9L, s.outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals("dedup", s.outputFields().get(AlertFolder.REASON_FIELD));
        assertTrue(s.output().endsWith("(9 similar alerts suppressed in the last 60s)"), s.output());
        assertEquals(109L, s.outputFields().get("proc.pid"));
        assertNotEquals(out.get(0).uuid(), s.uuid());
        assertEquals(11, registry.get("vigil.alerts").tags("rule", "R", "priority", "Warning").counter().count());
        // A new period: the next alert goes through.
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 1, 0));
        assertEquals(5, out.size());
    }

    @Test
    void noSummaryWhenNothingWasFolded() {
        AlertFolder f = folder(60, null, 0.0, null);
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 1, 0));
        clock.advance(Duration.ofSeconds(61));
        f.sweep();
        assertEquals(1, out.size());
        assertEquals(0, f.keys());
    }

    @Test
    void keyCapEvictsOldestAndSendsItsSummaryEarly() {
        AlertFolder f = folder(60, 3, 0.0, null);
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c0", 1, 0));
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c0", 1, 0));
        for (int i = 1; i <= 3; i++) {
            f.emit(TestAlerts.alert("R", Priority.WARNING, "c" + i, 1, 0));
        }
        assertEquals(3, f.keys());
        assertEquals(1, registry.get("vigil.alerts.dedup.evicted").counter().count());
        // c0's one folded alert was summarized when c0 was evicted.
        assertEquals(1L, out.get(3).outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals(5, out.size());
    }

    @Test
    void tokenBucketLimitsEachRuleAndSummarizes() {
        AlertFolder f = folder(0, null, 1.0, 5);
        for (int i = 0; i < 20; i++) {
            f.emit(TestAlerts.alert("R", Priority.WARNING, "c", i, 0));
        }
        f.emit(TestAlerts.alert("S", Priority.WARNING, "c", 1, 0));
        assertEquals(6, out.size());
        assertEquals(15, suppressed("R"));
        clock.advance(Duration.ofSeconds(2));
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c", 1, 0));
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c", 1, 0));
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c", 1, 0));
        assertEquals(8, out.size());
        clock.advance(Duration.ofSeconds(60));
        f.sweep();
        Alert s = out.get(out.size() - 1);
        assertEquals(16L, s.outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals("rate_limit", s.outputFields().get(AlertFolder.REASON_FIELD));
    }

    @Test
    void flushSummariesSendsEverythingPending() {
        AlertFolder f = folder(60, null, 0.0, null);
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 1, 0));
        f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 2, 0));
        f.flushSummaries();
        assertEquals(2, out.size());
        assertEquals(1L, out.get(1).outputFields().get(AlertFolder.COUNT_FIELD));
    }

    @Test
    void disabledFoldingPassesEverything() {
        AlertFolder f = folder(0, null, 0.0, null);
        for (int i = 0; i < 1000; i++) {
            f.emit(TestAlerts.alert("R", Priority.WARNING, "c1", 1, 0));
        }
        assertEquals(1000, out.size());
    }

    @Test
    void learningSummariesOfDifferentScopesAreNotFoldedTogetherButTheSameScopeIs() {
        AlertFolder f = folder(60, null, null, null);
        java.util.function.BiFunction<String, String, Alert> summary = (rule, scope) -> new Alert("u", 1L,
            "Baseline learned", Priority.INFORMATIONAL, "syscall", List.of("baseline"), "n", "s",
            java.util.Map.of("baseline.rule", rule, "baseline.scope", scope));
        f.emit(summary.apply("R", "nginx"));
        f.emit(summary.apply("R", "redis"));
        f.emit(summary.apply("Q", "nginx"));
        assertEquals(3, out.size());
        f.emit(summary.apply("R", "nginx"));
        assertEquals(3, out.size(), "the same rule and scope again within the period is folded");
    }
}
