package dev.vigil.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ingest stage's meters, bound once at start-up: counting is an array index and an add.
 * Thread-safe, but for {@link #received}, which has one writer.
 */
public final class IngestMetrics {
    /**
     * Why the agent closed a producer's connection: at once ({@code uid_not_allowed}, {@code too_many}:
     * every place held by an active producer, {@code no_credentials}), or later ({@code replaced_idle}:
     * its place given to a newcomer at the cap, {@code idle_timeout}: no line for
     * {@code ingest.idleTimeoutSeconds}).
     */
    public enum ConnectionRejection {
        UID_NOT_ALLOWED("uid_not_allowed"), TOO_MANY("too_many"), NO_CREDENTIALS("no_credentials"),
        REPLACED_IDLE("replaced_idle"), IDLE_TIMEOUT("idle_timeout");

        private final String label;

        ConnectionRejection(String label) {
            this.label = label;
        }
    }

    /**
     * Lines received. Counted by the ring's one publishing thread only (the single-producer sequencer already
     * holds every line's publisher to one thread), so a plain add and an opaque store: a {@link Counter}'s
     * atomic add (a locked instruction, a full fence on x86) for each of millions of lines a second was
     * ~1.5 % of that thread, the agent's busiest. Scrapes read it opaquely.
     */
    private final AtomicLong received = new AtomicLong();
    private final Counter[] rejected = new Counter[RejectReason.values().length];
    private final Counter[] connectionsRejected = new Counter[ConnectionRejection.values().length];
    private final AtomicInteger connections = new AtomicInteger();

    public IngestMetrics(MeterRegistry registry) {
        FunctionCounter.builder("vigil.events.received", received, AtomicLong::getOpaque).description("Lines received")
            .register(registry);
        for (RejectReason r : RejectReason.values()) {
            rejected[r.ordinal()] = Counter.builder("vigil.events.rejected").tag("reason", r.label())
                .description("Lines rejected, by reason").register(registry);
        }
        for (ConnectionRejection r : ConnectionRejection.values()) {
            connectionsRejected[r.ordinal()] = Counter.builder("vigil.connections.rejected")
                .tag("reason", r.label).description("Producer connections refused or closed by the agent, by reason").register(registry);
        }
        Gauge.builder("vigil.connections", connections, AtomicInteger::get)
            .description("Producers connected now").register(registry);
    }

    /** One more line received; called by the ring's publishing thread only (see {@link #received}). */
    public void received() {
        received.setOpaque(received.getPlain() + 1);
    }

    public void rejected(RejectReason reason) {
        rejected[reason.ordinal()].increment();
    }

    public void connectionRejected(ConnectionRejection reason) {
        connectionsRejected[reason.ordinal()].increment();
    }

    public void connected() {
        connections.incrementAndGet();
    }

    public void disconnected() {
        connections.decrementAndGet();
    }

    public int connections() {
        return connections.get();
    }

    public long receivedCount() {
        return received.getOpaque();
    }

    public Map<RejectReason, Long> rejectedCounts() {
        Map<RejectReason, Long> m = new EnumMap<>(RejectReason.class);
        for (RejectReason r : RejectReason.values()) {
            m.put(r, (long) rejected[r.ordinal()].count());
        }
        return m;
    }
}
