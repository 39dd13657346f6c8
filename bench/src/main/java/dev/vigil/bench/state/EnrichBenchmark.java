package dev.vigil.bench.state;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The state stage's enrich of one event in a container, with the runtime's identity ({@code on}:
 * the container is identified, so every event gets name, image, tag, digest, type, pod and the
 * labels' reference, over the producer's values) and without ({@code off}: the same events, no
 * identity source: wire fields only, one empty-queue check per event). Six events a round: a
 * process's exec, thin socket and open, a clone, the child's socket and its exit, so the tables
 * churn as on a node. Each op includes restoring the slot from its decoded template (an array copy),
 * the same in both. No /proc is read (a root that does not exist, no read budget). {@code -prof gc}:
 * 0 B/op expected for both.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EnrichBenchmark {
    static final String ID = "de6b9f00ba11c0ffee0000000000000000000000000000000000000000000042";
    static final String SHORT = ID.substring(0, 12);
    static final String[] EVENTS = {
        "{\"evt.type\":\"execve\",\"evt.res\":0,\"proc.pid\":5151,\"proc.ppid\":4242,\"proc.name\":\"python3\","
            + "\"proc.exepath\":\"/usr/bin/python3\",\"proc.cmdline\":\"python3 app.py\",\"container.id\":\"" + SHORT + "\","
            + "\"container.name\":\"from-the-wire\",\"thread.cap_effective\":\"0x00000000a80425fb\"}",
        "{\"evt.type\":\"socket\",\"evt.res\":8,\"proc.pid\":5151,\"evt.arg.domain\":2,\"evt.arg.type\":1}",
        "{\"evt.type\":\"openat\",\"evt.res\":7,\"proc.pid\":5151,\"fd.name\":\"/app/data/cache.db\"}",
        "{\"evt.type\":\"clone\",\"evt.res\":5152,\"proc.pid\":5151}",
        "{\"evt.type\":\"socket\",\"evt.res\":9,\"proc.pid\":5152,\"evt.arg.domain\":17,\"evt.arg.type\":3}",
        "{\"evt.type\":\"procexit\",\"proc.pid\":5152}",
    };
    static final String NO_ROOT = "/nonexistent/vigil-bench";

    @Param({"on", "off"})
    public String identity;

    private StateEnricher state;
    private Event[] templates;
    private final Event slot = new Event();

    @Setup
    public void setUp() {
        IdentitySource source = identity.equals("on") ? new OneUpsert(new ContainerIdentity(ID, "containerd", "api",
            "registry.local/shop/api:2.4.1", "registry.local/shop/api", "2.4.1", "sha256:9f86d081884c7d65",
            false, Map.of("app", "api"), "api-6c9f7d-x2x4q", "shop", "7b1e6f0e-3a4c-4f8e-9d2a-1c5b6e7f8a90",
            Map.of("team", "payments"), "containerd-cri")) : IdentitySource.NONE;
        state = new StateEnricher(new StateConfig(NO_ROOT, NO_ROOT, System.getProperty("java.io.tmpdir"), 4096, 64, 0),
            new SimpleMeterRegistry(), Clock.SYSTEM, source);
        state.drainIdentities();
        EventDecoder decoder = new EventDecoder();
        templates = new Event[EVENTS.length];
        for (int i = 0; i < EVENTS.length; i++) {
            byte[] b = (EVENTS[i] + "\n").getBytes(StandardCharsets.UTF_8);
            templates[i] = new Event();
            if (decoder.decode(b, 0, b.length, templates[i], 1L) != null) {
                throw new IllegalStateException("bad event " + EVENTS[i]);
            }
        }
        for (int i = 0; i < 1000; i++) {
            enrichRound();
        }
        boolean named = slot.string(dev.vigil.event.Field.CONTAINER_NAME) != null; // the child's exit
        if (named != identity.equals("on")) {
            throw new IllegalStateException("identity " + identity + " but container.name on the last event: " + named);
        }
    }

    @Benchmark
    @OperationsPerInvocation(6)
    public Event enrichRound() {
        for (Event t : templates) {
            slot.copyFrom(t);
            state.enrich(slot);
        }
        return slot;
    }

    /** Hands one identity over at the first drain, as a runtime's create event would. */
    private static final class OneUpsert implements IdentitySource {
        private ContainerIdentity pending;

        OneUpsert(ContainerIdentity identity) {
            this.pending = identity;
        }

        @Override
        public void request(String containerId) {
        }

        @Override
        public int drain(Consumer<Update> sink) {
            if (pending == null) {
                return 0;
            }
            sink.accept(new Update(pending.id(), pending));
            pending = null;
            return 1;
        }

        @Override
        public ContainerIdentity lookup(String containerId) {
            return null;
        }

        @Override
        public void close() {
        }
    }
}
