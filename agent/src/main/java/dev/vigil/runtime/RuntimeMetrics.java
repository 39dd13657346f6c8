package dev.vigil.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

/**
 * The runtime room's meters, registered once at construction (one set per client); the verbs look
 * nothing up by name. Thread-safe. Tags come from bounded sets: the configured clients' names, {@link
 * RuntimeCallException.Reason}, and the drop reasons below.
 */
final class RuntimeMetrics {
    private final Map<String, AtomicInteger> up = new ConcurrentHashMap<>();
    private final Map<String, Map<RuntimeCallException.Reason, Counter>> errors = new ConcurrentHashMap<>();
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final Counter updatesDropped;
    private final Counter requestsDropped;
    private final Counter tableFull;

    RuntimeMetrics(MeterRegistry registry, List<String> clients, IntSupplier containers) {
        for (String client : clients) {
            AtomicInteger u = new AtomicInteger();
            up.put(client, u);
            Gauge.builder("vigil.runtime.up", u, AtomicInteger::get).tag("runtime", client)
                .description("1 while the runtime answers, 0 while it is missing, refuses or times out")
                .strongReference(true).register(registry);
            Map<RuntimeCallException.Reason, Counter> byReason = new EnumMap<>(RuntimeCallException.Reason.class);
            for (RuntimeCallException.Reason r : RuntimeCallException.Reason.values()) {
                byReason.put(r, Counter.builder("vigil.runtime.errors").tag("runtime", client).tag("reason", r.tag())
                    .description("Failed calls to a container runtime, by reason").register(registry));
            }
            errors.put(client, byReason);
            events.put(client, Counter.builder("vigil.runtime.events").tag("runtime", client)
                .description("Container events received from a runtime's event stream").register(registry));
        }
        Gauge.builder("vigil.runtime.containers", containers::getAsInt)
            .description("Containers whose identity the runtimes gave").baseUnit("containers").strongReference(true)
            .register(registry);
        updatesDropped = dropped(registry, "update_queue_full");
        requestsDropped = dropped(registry, "request_queue_full");
        tableFull = dropped(registry, "table_full");
    }

    private static Counter dropped(MeterRegistry registry, String reason) {
        return Counter.builder("vigil.runtime.dropped").tag("reason", reason)
            .description("Identity updates, lookup requests or table entries dropped because a bound was reached")
            .register(registry);
    }

    void up(String client, boolean isUp) {
        up.get(client).set(isUp ? 1 : 0);
    }

    void error(String client, RuntimeCallException.Reason reason) {
        errors.get(client).get(reason).increment();
    }

    void event(String client) {
        events.get(client).increment();
    }

    void updateDropped() {
        updatesDropped.increment();
    }

    void requestDropped() {
        requestsDropped.increment();
    }

    void tableFull() {
        tableFull.increment();
    }
}
