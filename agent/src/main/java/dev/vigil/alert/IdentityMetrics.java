package dev.vigil.alert;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.IntSupplier;

/**
 * The identity wait's meters: {@code vigil.state.identity{result}} (every alert in a container, once:
 * {@code resolved} when raised with its identity, {@code late} when it came while the alert waited,
 * {@code unresolved} when the alert went on without it), {@code vigil.alerts.identity.queue_full}
 * (alerts sent on at once, unresolved, because the wait queue was full; also counted unresolved) and
 * the gauge {@code vigil.alerts.identity.waiting}; {@code vigil.alerts.baseline.late_judged{result}}: baseline
 * matches the rules stage left to be judged with their container's identity, {@code silenced} when the
 * image had learned the tuple (or learned it now, in the learning period), else {@code fired}. Every counter is registered at construction, so
 * counting allocates nothing and all three results show from the start. Thread-safe.
 */
public final class IdentityMetrics {
    private final Counter resolved;
    private final Counter late;
    private final Counter unresolved;
    private final Counter queueFull;
    private final Counter judgedFired;
    private final Counter judgedSilenced;

    public IdentityMetrics(MeterRegistry registry, IntSupplier waiting) {
        resolved = result(registry, "resolved");
        late = result(registry, "late");
        unresolved = result(registry, "unresolved");
        queueFull = Counter.builder("vigil.alerts.identity.queue_full")
            .description("alerts sent on without waiting for their container's identity: the wait queue was full")
            .register(registry);
        judgedFired = judged(registry, "fired");
        judgedSilenced = judged(registry, "silenced");
        Gauge.builder("vigil.alerts.identity.waiting", waiting::getAsInt)
            .description("alerts waiting for their container's identity").register(registry);
    }

    private static Counter result(MeterRegistry registry, String result) {
        return Counter.builder("vigil.state.identity")
            .description("alerts in a container by whether its identity was known: at once, late, or never")
            .tag("result", result).register(registry);
    }

    private static Counter judged(MeterRegistry registry, String result) {
        return Counter.builder("vigil.alerts.baseline.late_judged")
            .description("baseline matches judged once their container's identity was known: fired or silenced (learned)")
            .tag("result", result).register(registry);
    }

    void judged(boolean fired) {
        (fired ? judgedFired : judgedSilenced).increment();
    }

    void resolved() {
        resolved.increment();
    }

    void late() {
        late.increment();
    }

    void unresolved() {
        unresolved.increment();
    }

    void queueFull() {
        queueFull.increment();
        unresolved.increment();
    }
}
