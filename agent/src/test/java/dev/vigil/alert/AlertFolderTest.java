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

    private static Alert packetSocket(String container, String procName, long pid) {
        Alert a = TestAlerts.alert("Packet socket in container", Priority.NOTICE, container, pid, pid);
        java.util.Map<String, Object> f = new java.util.LinkedHashMap<>(a.outputFields());
        f.put("proc.name", procName);
        return new Alert(a.uuid(), a.timeNanos(), a.rule(), a.priority(), a.source(), a.tags(), a.hostname(),
            "Packet socket in container (proc=" + procName + " container=" + container + ")", f);
    }

    /** Issue 16, finding 1: the defaults (dedup 60 s, 20/s, burst 200). */
    @Test
    void oneContainersFloodNeverHidesAnotherContainersAlert() {
        AlertFolder f = new AlertFolder(new AlertsConfig(null, null, null, null, null, "/tmp/unused"), clock,
            new AlertMetrics(registry), out::add);
        for (int i = 0; i < 300; i++) {
            f.emit(packetSocket("aaaaaaaaaaaa", "p" + i, 1000 + i));
        }
        assertEquals(200, out.size(), "A's burst");
        f.emit(packetSocket("bbbbbbbbbbbb", "arping", 7));
        assertEquals(201, out.size(), "B's alert is delivered at once");
        assertEquals("bbbbbbbbbbbb", out.get(200).outputFields().get("container.id"));
        assertEquals(100, suppressed("Packet socket in container"));
        clock.advance(Duration.ofSeconds(60));
        f.sweep();
        assertEquals(202, out.size(), "one summary, for A only");
        Alert s = out.get(201);
        assertEquals("aaaaaaaaaaaa", s.outputFields().get("container.id"));
        assertEquals(100L, s.outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals("rate_limit", s.outputFields().get(AlertFolder.REASON_FIELD));
        assertEquals((long) AlertFolder.MAX_KEYS_PER_SUMMARY, s.outputFields().get(AlertFolder.KEYS_FIELD));
        assertEquals(100L - AlertFolder.MAX_KEYS_PER_SUMMARY, s.outputFields().get(AlertFolder.UNLISTED_FIELD));
        assertEquals(100 - AlertFolder.MAX_KEYS_PER_SUMMARY,
            registry.get("vigil.alerts.ratelimit.unlisted").counter().count());
        String[] lines = ((String) s.outputFields().get(AlertFolder.BY_KEY_FIELD)).split("\n");
        assertEquals(AlertFolder.MAX_KEYS_PER_SUMMARY, lines.length);
        assertEquals("1\u00d7 container.id=aaaaaaaaaaaa proc.name=p200: "
            + "Packet socket in container (proc=p200 container=aaaaaaaaaaaa)", lines[0]);
        assertTrue(s.output().contains("100 alerts of this rule in container aaaaaaaaaaaa suppressed"), s.output());
    }

    @Test
    void aRateLimitSummaryNamesEveryKeyItFoldedWithItsFirstAlertAndCount() {
        AlertFolder f = folder(0, null, 1.0, 2);
        f.emit(packetSocket("a", "x", 1));
        f.emit(packetSocket("a", "y", 2));
        f.emit(packetSocket("a", "x", 3));
        f.emit(packetSocket("a", "y", 4));
        f.emit(packetSocket("a", "x", 5));
        f.emit(packetSocket("a", "z", 6));
        f.emit(packetSocket("b", "x", 7));
        assertEquals(3, out.size());
        clock.advance(Duration.ofSeconds(60));
        f.sweep();
        assertEquals(4, out.size());
        Alert s = out.get(3);
        assertEquals(4L, s.outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals(3L, s.outputFields().get(AlertFolder.KEYS_FIELD));
        assertEquals(3L, s.outputFields().get("proc.pid"), "the first refused alert is the summary's body");
        assertEquals(null, s.outputFields().get(AlertFolder.UNLISTED_FIELD));
        assertEquals("2\u00d7 container.id=a proc.name=x: Packet socket in container (proc=x container=a)\n"
                + "1\u00d7 container.id=a proc.name=y: Packet socket in container (proc=y container=a)\n"
                + "1\u00d7 container.id=a proc.name=z: Packet socket in container (proc=z container=a)",
            s.outputFields().get(AlertFolder.BY_KEY_FIELD));
        f.sweep();
        assertEquals(4, out.size(), "nothing pending: no second summary");
    }

    @Test
    void rateLimitBucketsAreCappedEvictionsCountedAndTheirSummariesSentFirst() {
        AlertFolder f = folder(0, 3, 1.0, 1);
        f.emit(packetSocket("c0", "x", 1));
        f.emit(packetSocket("c0", "x", 2));
        f.emit(packetSocket("c1", "x", 3));
        f.emit(packetSocket("c2", "x", 4));
        assertEquals(3, f.rateLimitBuckets());
        assertEquals(3, out.size());
        f.emit(packetSocket("c3", "x", 5));
        assertEquals(3, f.rateLimitBuckets());
        assertEquals(1, registry.get("vigil.alerts.ratelimit.evicted").counter().count());
        assertEquals(5, out.size(), "c0's summary, then c3's alert");
        assertEquals(1L, out.get(3).outputFields().get(AlertFolder.COUNT_FIELD));
        assertEquals("c0", out.get(3).outputFields().get("container.id"));
        assertEquals("c3", out.get(4).outputFields().get("container.id"));
        clock.advance(Duration.ofSeconds(5));
        f.sweep();
        assertEquals(0, f.rateLimitBuckets(), "full again with nothing pending: dropped");
    }

    @Test
    void closeSendsPendingSummariesOnceAndStopsFolding() {
        AlertFolder f = folder(60, null, 1.0, 1).start();
        f.emit(packetSocket("c1", "x", 1));
        f.emit(packetSocket("c1", "x", 2));
        f.emit(packetSocket("c1", "y", 3));
        assertEquals(1, out.size());
        f.close();
        f.close();
        assertEquals(3, out.size(), "the dedup summary of x and the rate-limit summary of y, once");
        assertEquals("dedup", out.get(1).outputFields().get(AlertFolder.REASON_FIELD));
        assertEquals("rate_limit", out.get(2).outputFields().get(AlertFolder.REASON_FIELD));
    }
}
