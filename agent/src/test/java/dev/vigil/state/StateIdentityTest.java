package dev.vigil.state;

import static dev.vigil.testing.TestEvents.thin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.testing.FakeIdentitySource;
import dev.vigil.testing.FakeProcRoot;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime's identities in the container table and on the events (issue 14). */
class StateIdentityTest {
    private static final String PATH_A = "/docker/" + FakeProcRoot.DOCKER_ID_A;
    private static final String SHORT_A = "3f1c0a9e2b7d";
    private static final String SHORT_B = "9b2e4c6a8d0f";

    @TempDir
    Path tmp;
    FakeProcRoot fake;
    MockClock clock;
    SimpleMeterRegistry registry;
    FakeIdentitySource runtime;
    StateEnricher state;

    @BeforeEach
    void setUp() {
        fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .process(200, 1, "nginx", 0xa80425fbL, PATH_A, "/usr/sbin/nginx")
            .pidsMax(PATH_A, "40");
        clock = new MockClock();
        registry = new SimpleMeterRegistry();
        runtime = new FakeIdentitySource();
        state = new StateEnricher(new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), 1024, 16, 100),
            registry, clock, runtime);
        assertEquals(2, state.seedFromProc());
    }

    private static Event decoded(String json) {
        byte[] b = (json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Event e = new Event();
        if (new dev.vigil.ingest.EventDecoder().decode(b, 0, b.length, e, 1L) != null) {
            throw new AssertionError("bad test event " + json);
        }
        return e;
    }

    private double identified() {
        return registry.get("vigil.state.containers.identified").gauge().value();
    }

    @Test
    void theRuntimesIdentityFillsTheFieldsAndWinsOverTheProducers() {
        ContainerIdentity id = FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_A, "nginx", "registry.local/nginx:1.25", true);
        runtime.upsert(id);
        assertEquals(1, state.drainIdentities());
        assertEquals(1.0, identified());
        Event ev = decoded("{\"evt.type\":\"socket\",\"proc.pid\":200,\"container.id\":\"" + SHORT_A + "\","
            + "\"container.name\":\"spoofed\",\"container.image.repository\":\"evil/image\",\"k8s.ns.name\":\"kube-system\","
            + "\"container.privileged\":false}");
        state.enrich(ev);
        assertEquals("nginx", ev.string(Field.CONTAINER_NAME));
        assertEquals("registry.local/nginx:1.25", ev.string(Field.CONTAINER_IMAGE));
        assertEquals("registry.local/nginx", ev.string(Field.CONTAINER_IMAGE_REPOSITORY));
        assertEquals("1.25", ev.string(Field.CONTAINER_IMAGE_TAG));
        assertEquals("sha256:4f2a", ev.string(Field.CONTAINER_IMAGE_DIGEST));
        assertEquals("containerd", ev.string(Field.CONTAINER_TYPE));
        assertEquals("shop", ev.string(Field.K8S_NS_NAME));
        assertEquals("web-7d9f", ev.string(Field.K8S_POD_NAME));
        assertEquals("0f6c-uid", ev.string(Field.K8S_POD_UID));
        assertTrue(ev.getBool(Field.CONTAINER_PRIVILEGED), "the runtime's spec says privileged");
        assertEquals(SHORT_A, ev.string(Field.CONTAINER_ID));
        assertSame(id, ev.containerMeta(), "the labels travel as the identity, not as copies");
        assertEquals(1, ev.getLong(Field.CONTAINER_LIVE_PROCS));

        ev.clear();
        assertNull(ev.containerMeta(), "a cleared slot keeps no container");
    }

    @Test
    void anUpsertDrainedBeforeAContainersFirstEventIdentifiesThatEvent() {
        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_B, "sniffer", "alpine:3.19", false));
        state.drainIdentities();
        assertEquals(2, state.containerCount(), "the entry exists before any of its processes");
        // the container's very first instruction is the attack: a thin execve then a packet socket
        Event first = decoded("{\"evt.type\":\"socket\",\"proc.pid\":700,\"proc.name\":\"afpacket\","
            + "\"container.id\":\"" + SHORT_B + "\",\"evt.arg.domain\":\"AF_PACKET\"}");
        state.enrich(first);
        assertEquals("sniffer", first.string(Field.CONTAINER_NAME));
        assertEquals("alpine", first.string(Field.CONTAINER_IMAGE_REPOSITORY));
        assertEquals("3.19", first.string(Field.CONTAINER_IMAGE_TAG));
        assertEquals("shop", first.string(Field.K8S_NS_NAME));
        assertFalse(first.has(Field.CONTAINER_PRIVILEGED));
        assertTrue(runtime.requests.isEmpty(), "known at once: nothing to ask");
    }

    @Test
    void anUpdateQueuedAfterTheLastBatchEndReachesTheNextEvent() {
        Event before = thin("socket", 200);
        state.enrich(before);
        assertFalse(before.has(Field.CONTAINER_NAME));
        assertEquals(List.of(SHORT_A), runtime.requests, "met unresolved: asked for by its short id");
        state.enrich(thin("socket", 200));
        assertEquals(1, runtime.requests.size(), "not asked again per event");
        clock.add(Duration.ofSeconds(6));
        state.enrich(thin("socket", 200));
        assertEquals(2, runtime.requests.size(), "asked again after a few seconds while unresolved");

        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_A, "nginx", "nginx:1.25", false)); // no batch end since
        Event next = thin("socket", 200);
        state.enrich(next);
        assertEquals("nginx", next.string(Field.CONTAINER_NAME));
        assertEquals("1.25", next.string(Field.CONTAINER_IMAGE_TAG));
        clock.add(Duration.ofSeconds(60));
        state.enrich(thin("socket", 200));
        assertEquals(2, runtime.requests.size(), "resolved: never asked again");
    }

    @Test
    void aBetterIdentityQueuedAfterTheLastBatchEndReachesTheNextEventOfAnIdentifiedContainer() {
        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_A, "nginx", "pause:1.0", false));
        state.drainIdentities();
        Event first = thin("socket", 200);
        state.enrich(first);
        assertEquals("1.0", first.string(Field.CONTAINER_IMAGE_TAG));
        // a better-ranked runtime's answer arrives after the last batch end: the next event has it
        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_A, "nginx", "nginx:1.25", false));
        Event next = thin("socket", 200);
        state.enrich(next);
        assertEquals("nginx", next.string(Field.CONTAINER_IMAGE_REPOSITORY));
        assertEquals("1.25", next.string(Field.CONTAINER_IMAGE_TAG));
    }

    @Test
    void aDeletionRemovesAnIdleEntryAtOnceAndABusyOneWithItsLastProcess() {
        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_B, "job", "busybox:1.36", false));
        state.drainIdentities();
        assertEquals(2, state.containerCount());
        runtime.delete(FakeProcRoot.DOCKER_ID_B);
        state.drainIdentities();
        assertEquals(1, state.containerCount(), "no live process: gone at once");
        assertEquals(0.0, identified());

        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_A, "nginx", "nginx:1.25", false));
        state.drainIdentities();
        runtime.delete(FakeProcRoot.DOCKER_ID_A);
        state.drainIdentities();
        assertEquals(1, state.containerCount(), "nginx (pid 200) still lives in it");
        assertEquals(0.0, identified(), "the identity is dropped");
        Event last = thin("procexit", 200);
        state.enrich(last);
        assertEquals(SHORT_A, last.string(Field.CONTAINER_ID));
        assertEquals(0, state.containerCount(), "left with its last process");
    }

    @Test
    void anIdentifiedContainerWithoutProcessesOutlivesTheIdleTimeUntilItsDelete() {
        runtime.upsert(FakeIdentitySource.pod(FakeProcRoot.DOCKER_ID_B, "late", "alpine:3.19", false));
        state.drainIdentities();
        Event slot = new Event();
        state.pollPidsEvents(clock.monotonicTime(), slot, e -> { });
        clock.add(Duration.ofSeconds(120)); // created, not yet started: no process for two minutes
        state.pollPidsEvents(clock.monotonicTime(), slot, e -> { });
        assertEquals(2, state.containerCount(), "still known for its first process");
        Event first = decoded("{\"evt.type\":\"execve\",\"proc.pid\":710,\"proc.name\":\"sh\","
            + "\"container.id\":\"" + SHORT_B + "\"}");
        state.enrich(first);
        assertEquals("late", first.string(Field.CONTAINER_NAME));
    }

    @Test
    void aNamedContainerRoundTripsAsItsName() {
        assumeTrue(ContainerIds.key("t1") >= 0,
            "named container ids (ctr run t1) get keys with the cgroup layout work; this ContainerIds has none");
        runtime.upsert(new ContainerIdentity("t1", "containerd", "t1", "docker.io/library/alpine:3.19",
            "docker.io/library/alpine", "3.19", null, false, Map.of(), null, null, null, Map.of(), "containerd"));
        state.drainIdentities();
        Event clone = decoded("{\"evt.type\":\"clone\",\"proc.pid\":800,\"proc.name\":\"sh\",\"container.id\":\"t1\","
            + "\"evt.res\":801}");
        state.enrich(clone);
        assertEquals("t1", clone.string(Field.CONTAINER_ID));
        assertEquals("docker.io/library/alpine", clone.string(Field.CONTAINER_IMAGE_REPOSITORY));
        Event child = thin("socket", 801); // container.id from the table, not from the key
        state.enrich(child);
        assertEquals("t1", child.string(Field.CONTAINER_ID));
        assertEquals("t1", child.string(Field.CONTAINER_NAME));
    }

    @Test
    void theProcCgroupWinsOverADifferentWireContainerIdAndTheMismatchIsCounted() {
        // pid 200 was read from /proc at start: its cgroup says container A
        Event lie = decoded("{\"evt.type\":\"socket\",\"proc.pid\":200,\"proc.name\":\"nginx\","
            + "\"container.id\":\"" + SHORT_B + "\"}");
        state.enrich(lie);
        assertEquals(SHORT_A, lie.string(Field.CONTAINER_ID));
        assertEquals(40, lie.getLong(Field.CONTAINER_PIDS_LIMIT), "A's fields, not B's");
        assertEquals(1.0, registry.get("vigil.state.container_id_mismatch").counter().count());

        // a thin event of a pid never seen: its /proc cgroup is read, and wins too
        fake.process(300, 200, "sh", 0xa80425fbL, PATH_A, "/bin/sh");
        Event thin = thin("socket", 300);
        thin.setText(Field.CONTAINER_ID, SHORT_B);
        state.enrich(thin);
        assertEquals(SHORT_A, thin.string(Field.CONTAINER_ID));
        assertEquals(2.0, registry.get("vigil.state.container_id_mismatch").counter().count());

        Event agree = decoded("{\"evt.type\":\"socket\",\"proc.pid\":200,\"container.id\":\"" + SHORT_A + "\"}");
        state.enrich(agree);
        assertEquals(2.0, registry.get("vigil.state.container_id_mismatch").counter().count(), "agreeing: not counted");
    }

    @Test
    void aWireContainerIdStillMovesAProcessTheEventsIntroduced() {
        Event clone = decoded("{\"evt.type\":\"execve\",\"proc.pid\":900,\"proc.name\":\"sh\",\"container.id\":\""
            + SHORT_A + "\"}");
        state.enrich(clone);
        Event moved = decoded("{\"evt.type\":\"socket\",\"proc.pid\":900,\"proc.name\":\"sh\",\"container.id\":\""
            + SHORT_B + "\"}");
        state.enrich(moved);
        assertEquals(SHORT_B, moved.string(Field.CONTAINER_ID));
        assertEquals(0.0, registry.get("vigil.state.container_id_mismatch").counter().count(), "no /proc: nothing to contradict");
    }

    /**
     * Issue 16, finding 7: a wire {@code container.id: host} is a claim no container rule judges. For a
     * process read from /proc it was already overruled; for a pid never seen, an event carrying its name
     * and "host" was trusted without a look at its cgroup. Now the cgroup is read, and wins.
     */
    @Test
    void aHostClaimIsCheckedAgainstTheCgroupOfAKnownOrANewPid() {
        Event known = decoded("{\"evt.type\":\"socket\",\"proc.pid\":200,\"proc.name\":\"nginx\",\"container.id\":\"host\"}");
        state.enrich(known);
        assertEquals(SHORT_A, known.string(Field.CONTAINER_ID));
        assertEquals(1.0, registry.get("vigil.state.container_id_mismatch").counter().count());

        fake.process(301, 200, "sh", 0xa80425fbL, PATH_A, "/bin/sh");
        Event fresh = decoded("{\"evt.type\":\"socket\",\"proc.pid\":301,\"proc.name\":\"sh\",\"container.id\":\"host\"}");
        state.enrich(fresh);
        assertEquals(SHORT_A, fresh.string(Field.CONTAINER_ID), "the pid's cgroup names container A");
        assertEquals(40, fresh.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals(2.0, registry.get("vigil.state.container_id_mismatch").counter().count());

        fake.process(302, 1, "cron", 0x1ffffffffffL, "/", "/usr/sbin/cron");
        Event host = decoded("{\"evt.type\":\"socket\",\"proc.pid\":302,\"proc.name\":\"cron\",\"container.id\":\"host\"}");
        state.enrich(host);
        assertEquals("host", host.string(Field.CONTAINER_ID), "a true claim stands");
        assertEquals(2.0, registry.get("vigil.state.container_id_mismatch").counter().count());
    }

    /**
     * Issue 16, finding 8: with the /proc read budget spent, a thin event of a pid never seen passed with
     * no container (taken for the host by the rules). Now it inherits its parent's container and is
     * counted degraded; its entry is read once the budget allows.
     */
    @Test
    void aSpentReadBudgetInheritsTheContainerFromTheParentChain() {
        StateEnricher limited = new StateEnricher(new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(),
            1024, 16, 1), registry = new SimpleMeterRegistry(), clock, runtime);
        limited.seedFromProc();
        fake.process(400, 200, "sh", 0xa80425fbL, PATH_A, "/bin/sh");
        fake.process(401, 400, "sh", 0xa80425fbL, PATH_A, "/bin/sh");
        fake.process(402, 999, "sh", 0xa80425fbL, PATH_A, "/bin/sh");
        Event first = thin("socket", 400);
        first.setLong(Field.PROC_PPID, 200);
        limited.enrich(first); // the second's one read
        assertEquals(SHORT_A, first.string(Field.CONTAINER_ID));

        Event child = thin("socket", 401);
        child.setLong(Field.PROC_PPID, 400);
        limited.enrich(child);
        assertEquals(1.0, registry.get("vigil.state.proc.reads.limited").counter().count());
        assertEquals(SHORT_A, child.string(Field.CONTAINER_ID), "its parent's container, not none");
        assertEquals(1.0, registry.get("vigil.state.events.degraded").counter().count());

        Event orphan = thin("socket", 402);
        orphan.setLong(Field.PROC_PPID, 999);
        limited.enrich(orphan);
        assertFalse(orphan.has(Field.CONTAINER_ID), "no known ancestor: unknown, and counted");
        assertEquals(2.0, registry.get("vigil.state.events.degraded").counter().count());

        clock.add(java.time.Duration.ofSeconds(1));
        Event later = thin("socket", 402);
        limited.enrich(later);
        assertEquals(SHORT_A, later.string(Field.CONTAINER_ID), "read from /proc once the budget allows");
        assertEquals(2.0, registry.get("vigil.state.events.degraded").counter().count());
    }
}
