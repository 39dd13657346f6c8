package dev.vigil.alert;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;

/**
 * The alert stage's meters: {@code vigil.alerts{rule,priority}} (raised, counted before folding),
 * {@code vigil.alerts.suppressed{rule}} (folded by dedup or rate limit), {@code vigil.alerts.summaries}
 * (summary alerts sent for folded ones), {@code vigil.alerts.dedup.evicted} (dedup entries evicted at
 * the cap), {@code vigil.alerts.ratelimit.evicted} (rate-limit buckets evicted at the cap),
 * {@code vigil.alerts.ratelimit.unlisted} (refused alerts a summary counts without listing their key). Rule tags are bounded by the loaded ruleset; counters are looked up once per rule and
 * kept. Not thread-safe: used under {@link AlertFolder}'s lock.
 */
public final class AlertMetrics {
    private final MeterRegistry registry;
    private final Map<String, Counter[]> raised = new HashMap<>();
    private final Map<String, Counter> suppressed = new HashMap<>();
    private final Counter summaries;
    private final Counter evicted;
    private final Counter rateLimitEvicted;
    private final Counter unlisted;

    public AlertMetrics(MeterRegistry registry) {
        this.registry = registry;
        summaries = Counter.builder("vigil.alerts.summaries").description("summary alerts sent for folded alerts")
            .register(registry);
        evicted = Counter.builder("vigil.alerts.dedup.evicted")
            .description("dedup entries evicted because the key cap was reached").register(registry);
        rateLimitEvicted = Counter.builder("vigil.alerts.ratelimit.evicted")
            .description("rate-limit buckets (rule and container) evicted because the cap was reached; "
                + "pending summaries are sent first").register(registry);
        unlisted = Counter.builder("vigil.alerts.ratelimit.unlisted")
            .description("alerts refused by the rate limit and counted in a summary without their key listed")
            .register(registry);
    }

    void raised(Alert a) {
        Counter[] byPriority = raised.computeIfAbsent(a.rule(), r -> new Counter[Priority.values().length]);
        Counter c = byPriority[a.priority().ordinal()];
        if (c == null) {
            c = Counter.builder("vigil.alerts").description("alerts raised by the rules").tag("rule", a.rule())
                .tag("priority", a.priority().display()).register(registry);
            byPriority[a.priority().ordinal()] = c;
        }
        c.increment();
    }

    void suppressed(String rule) {
        suppressed.computeIfAbsent(rule, r -> Counter.builder("vigil.alerts.suppressed")
            .description("alerts folded by dedup or the rate limit").tag("rule", r).register(registry)).increment();
    }

    void summary() {
        summaries.increment();
    }

    void evicted() {
        evicted.increment();
    }

    void rateLimitEvicted() {
        rateLimitEvicted.increment();
    }

    void unlisted() {
        unlisted.increment();
    }
}
