package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.rules.OutputFormat;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The bounded wait for a container's identity, driven step by step: a mock clock and direct calls of
 * the worker's step ({@code tick}), so no test sleeps or depends on timing.
 */
class IdentityWaitTest {
    static final String ID = "de6b9f00ba11";
    static final OutputFormat TEMPLATE = OutputFormat.compile(
        "Packet socket in container (proc=%proc.name container=%container.name id=%container.id "
            + "image=%container.image.repository:%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name)", List.of());
    static final ContainerIdentity WEB = new ContainerIdentity(ID + "0123456789abcdef0123456789abcdef0123456789abcdef0123",
        "containerd", "web", "registry.example/shop/web:1.4.2", "registry.example/shop/web", "1.4.2", "sha256:abc",
        false, Map.of(), "web-7d9f", "shop", "uid-1", Map.of("app", "web"), "containerd-cri");

    /** A runtime whose answer the test switches on. */
    static final class FakeIdentities implements IdentitySource {
        final Map<String, ContainerIdentity> known = new ConcurrentHashMap<>();
        final java.util.Set<String> stillAsking = ConcurrentHashMap.newKeySet();
        int lookups;

        @Override
        public boolean resolving(String containerId) {
            return stillAsking.contains(containerId);
        }

        @Override
        public void request(String containerId) {
        }

        @Override
        public int drain(Consumer<Update> sink) {
            return 0;
        }

        @Override
        public ContainerIdentity lookup(String containerId) {
            lookups++;
            return known.get(containerId);
        }

        @Override
        public void close() {
        }
    }

    final MockClock clock = new MockClock();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final FakeIdentities runtime = new FakeIdentities();
    final List<Alert> out = new ArrayList<>();

    IdentityWait identityWait(long millis, int capacity) {
        return new IdentityWait(runtime, millis, capacity, clock, registry, out::add);
    }

    /** An alert as the rules raise it for a container the state stage knew nothing about. */
    static Alert bare(String containerId, long pid) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("proc.name", "tcpdump");
        f.put("container.name", null);
        f.put("container.id", containerId);
        f.put("container.image.repository", null);
        f.put("container.image.tag", null);
        f.put("k8s.pod.name", null);
        f.put("k8s.ns.name", null);
        f.put("evt.type", "socket");
        f.put("proc.pid", pid);
        return new Alert(UUID.randomUUID().toString(), 1L, "Packet socket in container", Priority.WARNING, "syscall",
            List.of("raw_socket"), "node-1", TEMPLATE.render(f), java.util.Collections.unmodifiableMap(f), TEMPLATE);
    }

    double count(String result) {
        return registry.get("vigil.state.identity").tag("result", result).counter().count();
    }

    /** The real worker (the one test that runs it): it sleeps while nothing waits, and steps while an alert does. */
    @Test
    void theWorkerTakesNoStepWhileNothingWaits() throws Exception {
        List<Alert> sent = new java.util.concurrent.CopyOnWriteArrayList<>();
        IdentityWait w = new IdentityWait(runtime, 300, 100, clock, registry, sent::add).start();
        try {
            Thread.sleep(20 * IdentityWait.POLL_MILLIS);
            assertEquals(0, w.steps(), "no step while nothing waits");
            w.emit(bare(ID, 42));
            runtime.known.put(ID, WEB);
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (sent.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertEquals(1, sent.size(), "the worker's step releases the alert once its identity is known");
            assertEquals(1, count("late"));
            long steps = w.steps();
            assertTrue(steps >= 1);
            Thread.sleep(20 * IdentityWait.POLL_MILLIS);
            assertEquals(steps, w.steps(), "asleep again once nothing waits");
        } finally {
            w.close(java.time.Duration.ofSeconds(1));
        }
    }

    @Test
    void releasesAnAlertAsSoonAsItsIdentityArrivesFilledAndRerendered() {
        IdentityWait w = identityWait(300, 100);
        Alert a = bare(ID, 42);
        assertTrue(a.output().contains("image=<NA>:<NA>"), a.output());
        w.emit(a);
        assertTrue(out.isEmpty(), "waits: the runtime does not know the container yet");
        clock.add(Duration.ofMillis(15));
        w.tick();
        assertTrue(out.isEmpty(), "still waiting within the bound");

        runtime.known.put(ID, WEB);
        clock.add(Duration.ofMillis(15));
        w.tick();
        assertEquals(1, out.size());
        Alert r = out.get(0);
        assertEquals(a.uuid(), r.uuid(), "the same alert, not a new one");
        assertEquals("Packet socket in container (proc=tcpdump container=web id=de6b9f00ba11 "
            + "image=registry.example/shop/web:1.4.2 pod=web-7d9f ns=shop)", r.output());
        assertEquals("web", r.outputFields().get("container.name"));
        assertEquals("registry.example/shop/web", r.outputFields().get("container.image.repository"));
        assertEquals("1.4.2", r.outputFields().get("container.image.tag"));
        assertEquals("shop", r.outputFields().get("k8s.ns.name"));
        assertEquals("web-7d9f", r.outputFields().get("k8s.pod.name"));
        assertEquals(ID, r.outputFields().get("container.id"), "container.id stays the short id");
        assertEquals(1, count("late"));
        assertEquals(0, count("resolved") + count("unresolved"));
        assertEquals(0, w.waiting());
    }

    @Test
    void aLateJudgementAskedWithTheIdentitySilencesOrSendsTheAlert() {
        IdentityWait w = identityWait(300, 100);
        List<Object> askedWith = new ArrayList<>();
        Alert base = bare(ID, 42);
        Alert learned = new Alert(base.uuid(), 1L, base.rule(), base.priority(), base.source(), base.tags(),
            base.hostname(), base.output(), base.outputFields(), TEMPLATE, fields -> {
                askedWith.add(fields.get("container.image.repository"));
                return false; // the image had learned it
            });
        Alert unseen = new Alert("u2", 1L, base.rule(), base.priority(), base.source(), base.tags(), base.hostname(),
            base.output(), base.outputFields(), TEMPLATE, fields -> true);
        w.emit(learned);
        w.emit(unseen);
        runtime.known.put(ID, WEB);
        clock.add(Duration.ofMillis(15));
        w.tick();
        assertEquals(List.of("registry.example/shop/web"), askedWith, "asked once, with the identity filled in");
        assertEquals(1, out.size(), "the silenced one is not sent");
        assertEquals("u2", out.get(0).uuid());
        assertEquals(null, out.get(0).judgement(), "sent decided");
        assertEquals(1, registry.get("vigil.alerts.baseline.late_judged").tag("result", "silenced").counter().count());
        assertEquals(1, registry.get("vigil.alerts.baseline.late_judged").tag("result", "fired").counter().count());

        // the runtime already knows the container when the alert comes: judged at once
        w.emit(learned);
        assertEquals(1, out.size());
        assertEquals(2, askedWith.size());
    }

    @Test
    void anAlertNeverResolvedGoesOnAfterTheWaitUnresolved() {
        IdentityWait w = identityWait(300, 100);
        Alert a = bare(ID, 42);
        w.emit(a);
        clock.add(Duration.ofMillis(299));
        w.tick();
        assertTrue(out.isEmpty(), "1 ms before the deadline it still waits");
        clock.add(Duration.ofMillis(1));
        w.tick();
        assertEquals(List.of(a), out, "sent as raised, container.id intact");
        assertEquals(ID, out.get(0).outputFields().get("container.id"));
        assertEquals(1, count("unresolved"));
        assertEquals(0, count("late") + count("resolved"));
    }

    @Test
    void aContainerStillBeingResolvedExtendsTheWaitUntilTheAnswer() {
        IdentityWait w = identityWait(300, 100);
        runtime.stillAsking.add(ID);
        w.emit(bare(ID, 42));
        clock.add(Duration.ofMillis(1_000));
        w.tick();
        assertTrue(out.isEmpty(), "past the wait, but the runtime is still being asked: it waits on");
        runtime.known.put(ID, WEB);
        runtime.stillAsking.remove(ID);
        w.tick();
        assertEquals(1, out.size());
        assertEquals("registry.example/shop/web", out.get(0).outputFields().get("container.image.repository"));
        assertEquals(1, count("late"));
    }

    @Test
    void theExtensionEndsWhenTheRuntimeStopsAskingOrAtItsBound() {
        IdentityWait w = identityWait(300, 100);
        runtime.stillAsking.add(ID);
        w.emit(bare(ID, 1));
        clock.add(Duration.ofMillis(400));
        w.tick();
        assertTrue(out.isEmpty());
        runtime.stillAsking.remove(ID); // the runtime gave up without an image
        w.tick();
        assertEquals(1, out.size(), "released once nobody is asked any more");

        runtime.stillAsking.add(ID); // a runtime that never stops being asked
        w.emit(bare(ID, 2));
        clock.add(Duration.ofMillis(300 + IdentityWait.RESOLVING_EXTRA_MILLIS - 1));
        w.tick();
        assertEquals(1, out.size(), "1 ms before the extension's bound it still waits");
        clock.add(Duration.ofMillis(1));
        w.tick();
        assertEquals(2, out.size(), "released at the bound, never held for ever");
        assertEquals(2, count("unresolved"));
    }

    @Test
    void anAlertWithIdentityIsNotDelayedAndCountedResolved() {
        IdentityWait w = identityWait(300, 100);
        Map<String, Object> f = new LinkedHashMap<>(bare(ID, 1).outputFields());
        f.put("container.image.repository", "nginx");
        f.put("container.name", "web");
        Alert withImage = bare(ID, 1).withOutputFields(f);
        w.emit(withImage);
        assertEquals(List.of(withImage), out, "passed on at once, on the emitting thread");
        assertEquals(0, runtime.lookups, "nothing to ask");

        runtime.known.put("0123456789ab", WEB);
        w.emit(bare("0123456789ab", 2));
        assertEquals(2, out.size(), "known to the runtime at raise time: no wait");
        assertEquals("web", out.get(1).outputFields().get("container.name"));
        assertTrue(out.get(1).output().contains("image=registry.example/shop/web:1.4.2"), out.get(1).output());
        assertEquals(2, count("resolved"));
        assertEquals(0, w.waiting());
    }

    @Test
    void passesWaitingAlertsByWithoutHoldingThemBack() {
        IdentityWait w = identityWait(300, 100);
        w.emit(bare(ID, 1));
        Map<String, Object> f = new LinkedHashMap<>(bare("0123456789ab", 2).outputFields());
        f.put("container.name", "db");
        f.put("container.image.repository", "registry.example/shop/db");
        Alert second = bare("0123456789ab", 2).withOutputFields(f);
        w.emit(second);
        assertEquals(List.of(second), out, "a later alert with identity is not held behind a waiting one");
    }

    @Test
    void aNameWithoutAnImageWaitsForTheImage() {
        // containerd's own API may describe a kubelet's container before its CRI says which image it runs
        IdentityWait w = identityWait(300, 100);
        Map<String, Object> f = new LinkedHashMap<>(bare(ID, 1).outputFields());
        f.put("container.name", "web");
        w.emit(bare(ID, 1).withOutputFields(f));
        assertEquals(List.of(), out, "held: the alert does not name its image yet");
        w.tick();
        assertEquals(List.of(), out);
        runtime.known.put(ID, WEB);
        w.tick();
        assertEquals(1, out.size());
        assertTrue(out.get(0).output().contains("image=registry.example/shop/web:1.4.2"), out.get(0).output());
        assertEquals(1, count("late"));
    }

    @Test
    void anImageWithoutANameWaitsForTheName() {
        // containerd's record of a Docker container names its image; Docker's Engine API names the container
        IdentityWait w = identityWait(300, 100);
        ContainerIdentity imageOnly = new ContainerIdentity(WEB.id(), "docker", null, WEB.image(),
            WEB.imageRepository(), WEB.imageTag(), null, false, Map.of(), null, null, null, Map.of(), "containerd");
        runtime.known.put(ID, imageOnly);
        w.emit(bare(ID, 7));
        w.tick();
        assertTrue(out.isEmpty(), "an image alone does not name the workload");
        runtime.known.put(ID, WEB);
        w.tick();
        assertEquals("web", out.get(0).outputFields().get("container.name"));
        assertEquals(1, count("late"));
    }

    @Test
    void hostAlertsAreNeitherDelayedNorCounted() {
        IdentityWait w = identityWait(300, 100);
        Alert host = bare("host", 1);
        Map<String, Object> f = new LinkedHashMap<>(bare("x", 2).outputFields());
        f.remove("container.id");
        Alert none = bare("x", 2).withOutputFields(f);
        w.emit(host);
        w.emit(none);
        assertEquals(List.of(host, none), out);
        assertEquals(0, count("resolved") + count("late") + count("unresolved"));
        assertEquals(0, runtime.lookups);
    }

    @Test
    void aFloodBeyondTheBoundGoesOnUnresolvedNoneLost() {
        IdentityWait w = identityWait(300, 100);
        Set<String> raised = new HashSet<>();
        for (int i = 0; i < 1_000; i++) {
            Alert a = bare(i % 2 == 0 ? ID : "0123456789ab", i); // two containers: 50 each, within their share
            raised.add(a.uuid());
            w.emit(a);
        }
        assertEquals(900, out.size(), "beyond the 100 held, each goes on at once");
        assertEquals(100, w.waiting());
        assertEquals(900, registry.get("vigil.alerts.identity.queue_full").counter().count());
        assertEquals(900, count("unresolved"));
        assertEquals(100, registry.get("vigil.alerts.identity.waiting").gauge().value());

        runtime.known.put(ID, WEB);
        runtime.known.put("0123456789ab", WEB);
        w.tick();
        assertEquals(1_000, out.size());
        assertEquals(100, count("late"), "those held got their identity");
        Set<String> sent = new HashSet<>();
        out.forEach(a -> sent.add(a.uuid()));
        assertEquals(raised, sent, "every alert raised was passed on, once");
        assertEquals(0, w.waiting());
    }

    @Test
    void oneContainersFloodDoesNotCostAnotherItsName() {
        // An attacker's container raises thousands of alerts its runtime never names (a bare runc container)
        IdentityWait w = identityWait(300, IdentityWait.DEFAULT_CAPACITY);
        for (int i = 0; i < 20_000; i++) {
            w.emit(bare("a77ac4e70000", i));
        }
        assertEquals(IdentityWait.PER_CONTAINER, w.waiting(), "it holds only its share");
        w.emit(bare(ID, 1)); // the victim's alert, its container young
        runtime.known.put(ID, WEB);
        clock.add(Duration.ofMillis(15));
        w.tick();
        Alert victim = out.stream().filter(a -> ID.equals(a.outputFields().get("container.id"))).findFirst().orElseThrow();
        assertEquals("web", victim.outputFields().get("container.name"), "named, not sent at once unresolved");
        clock.add(Duration.ofMillis(300));
        w.tick();
        assertEquals(20_001, out.size(), "none lost");
        assertEquals(0, w.waiting());
    }

    @Test
    void closeReleasesWaitingAlertsAndLaterOnesGoStraightOn() {
        IdentityWait w = identityWait(300, 100);
        Alert a = bare(ID, 1);
        Alert b = bare(ID, 2);
        w.emit(a);
        w.emit(b);
        w.close(Duration.ofSeconds(1));
        assertEquals(List.of(a, b), out, "released unresolved, in order, before the deadline");
        assertEquals(2, count("unresolved"));
        w.close(Duration.ofSeconds(1));
        assertEquals(2, out.size(), "idempotent");
        Alert c = bare(ID, 3);
        w.emit(c);
        assertSame(c, out.get(2), "after close nothing waits");
        assertEquals(3, count("unresolved"));
    }

    @Test
    void closeStopsTheStartedWorkerAfterReleasingOnIt() throws Exception {
        // A long wait and a clock that never moves: only close can release the alert.
        IdentityWait w = identityWait(60_000, 100).start();
        List<String> threads = new ArrayList<>();
        IdentityWait onWorker = new IdentityWait(runtime, 60_000, 100, clock, new SimpleMeterRegistry(),
            x -> threads.add(Thread.currentThread().getName())).start();
        onWorker.emit(bare(ID, 1));
        w.emit(bare(ID, 2));
        onWorker.close(Duration.ofSeconds(10));
        w.close(Duration.ofSeconds(10));
        assertEquals(List.of("vigil-alert-identity"), threads, "released by the worker, which then stopped");
        assertEquals(1, out.size());
        assertEquals(0, w.waiting());
    }

    @Test
    void offWhenTheWaitIsZero() {
        IdentityWait w = identityWait(0, 100);
        Alert a = bare(ID, 1);
        w.emit(a);
        assertEquals(List.of(a), out);
        assertEquals(1, count("unresolved"));
        assertFalse(w.start().waiting() > 0);
    }

    @Test
    void fillsOnlyWhatTheRuntimeKnows() {
        ContainerIdentity plain = new ContainerIdentity("abc", "containerd", null, "busybox:1.36", "busybox", "1.36",
            null, null, null, null, null, null, null, "containerd");
        Alert r = IdentityFields.fill(bare(ID, 1), plain);
        assertEquals("busybox", r.outputFields().get("container.image.repository"));
        assertNull(r.outputFields().get("k8s.ns.name"), "no pod: no namespace, never a placeholder");
        assertFalse(r.outputFields().containsKey("container.image.digest"), "not named by the rule, unknown");
        assertTrue(r.output().contains("image=busybox:1.36 pod=<NA> ns=<NA>"), r.output());
    }
}
