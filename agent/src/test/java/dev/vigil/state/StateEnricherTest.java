package dev.vigil.state;

import static dev.vigil.testing.TestEvents.thin;
import static dev.vigil.testing.TestEvents.withRes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.testing.FakeProcRoot;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateEnricherTest {
    private static final String PATH_A = "/docker/" + FakeProcRoot.DOCKER_ID_A;
    private static final String PATH_B = "/docker/" + FakeProcRoot.DOCKER_ID_B;
    private static final String SHORT_A = "3f1c0a9e2b7d";
    private static final String SHORT_B = "9b2e4c6a8d0f";

    @TempDir
    Path tmp;
    FakeProcRoot fake;
    MockClock clock;
    SimpleMeterRegistry registry;

    @BeforeEach
    void setUp() {
        fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .process(100, 1, "containerd-shim", 0x1ffffffffffL, "/", "containerd-shim")
            .process(200, 100, "nginx", 0xa80425fbL, PATH_A, "/usr/sbin/nginx", "-g", "daemon off;")
            .pidsMax(PATH_A, "40").pidsEvents(PATH_A, 0)
            .pidsMax(PATH_B, "max").pidsEvents(PATH_B, 0);
        clock = new MockClock();
        registry = new SimpleMeterRegistry();
    }

    private StateEnricher enricher(int maxProcesses, int procReadsPerSecond) {
        StateConfig config = new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), maxProcesses, 16,
            procReadsPerSecond);
        return new StateEnricher(config, registry, clock);
    }

    private StateEnricher seeded() {
        StateEnricher s = enricher(1024, 100);
        assertEquals(3, s.seedFromProc());
        return s;
    }

    private static Event decoded(String json) {
        byte[] b = (json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Event e = new Event();
        if (new dev.vigil.ingest.EventDecoder().decode(b, 0, b.length, e, 1L) != null) {
            throw new AssertionError("bad test event " + json);
        }
        return e;
    }

    @Test
    void theRuntimesOwnInitDoesNotMakeAContainerPrivilegedButAFullSetWorkloadDoes() {
        StateEnricher state = seeded();
        String full = Long.toHexString(state.fullCapabilitySet());
        // runc's init runs in the new container's cgroup with the runtime's full set, then execs the workload.
        Event init = decoded("{\"evt.type\":\"unshare\",\"proc.pid\":300,\"proc.name\":\"runc:[1:CHILD]\","
            + "\"proc.exepath\":\"/dev/fd/6\",\"container.id\":\"" + SHORT_B + "\",\"thread.cap_effective\":\"" + full
            + "\",\"evt.res\":0}");
        state.enrich(init);
        assertFalse(init.has(Field.CONTAINER_PRIVILEGED));
        Event reexec = decoded("{\"evt.type\":\"execve\",\"proc.pid\":300,\"proc.name\":\"runc:[2:INIT]\","
            + "\"proc.exepath\":\"/dev/fd/6\",\"container.id\":\"" + SHORT_B + "\",\"thread.cap_effective\":\"" + full
            + "\",\"evt.res\":0}");
        state.enrich(reexec);
        assertFalse(reexec.has(Field.CONTAINER_PRIVILEGED), "runc re-executing itself is not the workload");
        Event workload = decoded("{\"evt.type\":\"execve\",\"proc.pid\":300,\"proc.name\":\"afpacket\","
            + "\"proc.exepath\":\"/bin/afpacket\",\"container.id\":\"" + SHORT_B
            + "\",\"thread.cap_effective\":\"0xa80425fb\",\"evt.res\":0}");
        state.enrich(workload);
        assertFalse(workload.has(Field.CONTAINER_PRIVILEGED), "Docker's default set: not privileged");

        Event priv = decoded("{\"evt.type\":\"execve\",\"proc.pid\":400,\"proc.name\":\"true\","
            + "\"proc.exepath\":\"/bin/true\",\"container.id\":\"c0ffee000001\",\"thread.cap_effective\":\"" + full
            + "\",\"evt.res\":0}");
        state.enrich(priv);
        assertTrue(priv.getBool(Field.CONTAINER_PRIVILEGED), "a workload exec'd with the full set: privileged");
    }

    @Test
    void fillsAThinEventFromTheSeededTable() {
        StateEnricher state = seeded();
        Event ev = thin("socket", 200);
        state.enrich(ev);
        assertEquals("nginx", ev.string(Field.PROC_NAME));
        assertEquals("/usr/sbin/nginx", ev.string(Field.PROC_EXEPATH));
        assertEquals("nginx -g daemon off;", ev.string(Field.PROC_CMDLINE));
        assertEquals(100, ev.getLong(Field.PROC_PPID));
        assertEquals("containerd-shim", ev.string(Field.PROC_PNAME));
        assertEquals(0, ev.getLong(Field.USER_UID));
        assertEquals(0xa80425fbL, ev.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals(0xa80425fbL, ev.getLong(Field.THREAD_CAP_PERMITTED));
        assertEquals(0, ev.getLong(Field.THREAD_CAP_INHERITABLE));
        assertEquals(SHORT_A, ev.string(Field.CONTAINER_ID));
        assertEquals(40, ev.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals(1, ev.getLong(Field.CONTAINER_LIVE_PROCS));
        assertEquals(2, ev.getLong(Field.CONTAINER_PIDS_USAGE)); // 1 * 100 / 40
        assertFalse(ev.has(Field.CONTAINER_PRIVILEGED));
    }

    @Test
    void hostProcessGetsHostAndNoContainerFields() {
        StateEnricher state = seeded();
        Event ev = thin("mount", 100);
        state.enrich(ev);
        assertEquals("host", ev.string(Field.CONTAINER_ID));
        assertFalse(ev.has(Field.CONTAINER_LIVE_PROCS));
        assertFalse(ev.has(Field.CONTAINER_PIDS_LIMIT));
    }

    @Test
    void readsProcForAPidNeverSeen() {
        StateEnricher state = seeded();
        fake.process(300, 200, "sh", 0xa80425fbL, PATH_A, "/bin/sh", "-c", "id");
        Event ev = thin("execve", 300);
        state.enrich(ev);
        assertEquals("sh", ev.string(Field.PROC_NAME));
        assertEquals("nginx", ev.string(Field.PROC_PNAME));
        assertEquals(SHORT_A, ev.string(Field.CONTAINER_ID));
        assertEquals(2, ev.getLong(Field.CONTAINER_LIVE_PROCS));
        assertEquals(5, ev.getLong(Field.CONTAINER_PIDS_USAGE));
        assertEquals(1.0, registry.get("vigil.state.proc.reads").tag("result", "ok").counter().count());
    }

    @Test
    void anExecForgetsTheCapabilitySetsItsEventDoesNotCarry() {
        // The shim (full set, read from /proc) forks the runtime's init; it drops to the container's set and
        // executes the entrypoint. The sensor reports the effective set only: the permitted and inheritable
        // sets the child inherited from the shim are no longer true and must not be reported.
        StateEnricher state = seeded();
        state.enrich(withRes(thin("clone", 100), 300));
        Event beforeExec = thin("socket", 300);
        state.enrich(beforeExec);
        assertEquals(0x1ffffffffffL, beforeExec.getLong(Field.THREAD_CAP_PERMITTED), "inherited at fork");
        Event exec = decoded("{\"evt.type\":\"execve\",\"proc.pid\":300,\"proc.name\":\"sh\",\"container.id\":\""
            + SHORT_B + "\",\"thread.cap_effective\":\"0xa80425fb\",\"evt.res\":0}");
        state.enrich(exec);
        assertEquals(0xa80425fbL, exec.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertFalse(exec.has(Field.THREAD_CAP_PERMITTED), "the shim's permitted set, stale after the exec");
        assertFalse(exec.has(Field.THREAD_CAP_INHERITABLE));
        Event after = thin("socket", 300);
        state.enrich(after);
        assertFalse(after.has(Field.THREAD_CAP_PERMITTED), "forgotten, not restored");
        // A non-exec event keeps what /proc said (a workload may hold a permitted set beyond its effective one)
        Event nginx = decoded("{\"evt.type\":\"socket\",\"proc.pid\":200,\"thread.cap_effective\":\"0x0\"}");
        state.enrich(nginx);
        assertEquals(0xa80425fbL, nginx.getLong(Field.THREAD_CAP_PERMITTED));
    }

    @Test
    void cloneCreatesTheChildInTheParentsContainerAndExitRemovesIt() {
        StateEnricher state = seeded();
        Event clone = withRes(thin("clone", 200), 201);
        state.enrich(clone);
        assertEquals(4, state.processCount());
        assertEquals(2, clone.getLong(Field.CONTAINER_LIVE_PROCS));

        Event child = thin("socket", 201);
        state.enrich(child);
        assertEquals("nginx", child.string(Field.PROC_NAME));
        assertEquals(200, child.getLong(Field.PROC_PPID));
        assertEquals(SHORT_A, child.string(Field.CONTAINER_ID));
        assertEquals(0xa80425fbL, child.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals(0.0, registry.get("vigil.state.proc.reads").tag("result", "ok").counter().count());

        Event exit = thin("procexit", 201);
        state.enrich(exit);
        assertEquals("nginx", exit.string(Field.PROC_NAME)); // filled before removal
        assertEquals(3, state.processCount());
        Event after = thin("socket", 200);
        state.enrich(after);
        assertEquals(1, after.getLong(Field.CONTAINER_LIVE_PROCS));
    }

    @Test
    void failedCloneAndThreadCloneCreateNothing() {
        StateEnricher state = seeded();
        Event failed = withRes(thin("clone", 200), -11);
        state.enrich(failed);
        Event thread = withRes(thin("clone", 200), 202);
        char[] flags = "CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD".toCharArray();
        thread.addExtra("evt.arg.flags", flags, 0, flags.length, dev.vigil.event.Chars.NOT_A_NUMBER);
        state.enrich(thread);
        Event numeric = withRes(thin("clone3", 200), 203);
        char[] n = "331520".toCharArray(); // 0x50f00: CLONE_VM|FS|FILES|SIGHAND|THREAD|SYSVSEM
        numeric.addExtra("evt.arg.flags", n, 0, n.length, 0x50f00);
        state.enrich(numeric);
        assertEquals(3, state.processCount());
    }

    @Test
    void execveReplacesNameAndCaps() {
        StateEnricher state = seeded();
        Event exec = withRes(thin("execve", 200), 0);
        exec.setText(Field.PROC_NAME, "bash");
        exec.setText(Field.PROC_EXEPATH, "/bin/bash");
        exec.setText(Field.PROC_CMDLINE, "bash -i");
        exec.setLong(Field.THREAD_CAP_EFFECTIVE, 0x1ffffffffffL);
        state.enrich(exec);
        Event next = thin("socket", 200);
        state.enrich(next);
        assertEquals("bash", next.string(Field.PROC_NAME));
        assertEquals("/bin/bash", next.string(Field.PROC_EXEPATH));
        assertEquals("bash -i", next.string(Field.PROC_CMDLINE));
        assertEquals(0x1ffffffffffL, next.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertTrue(next.getBool(Field.CONTAINER_PRIVILEGED)); // a full CapEff in the container
    }

    @Test
    void producerFieldsWinOverTheTable() {
        StateEnricher state = seeded();
        Event ev = thin("socket", 200);
        ev.setText(Field.PROC_NAME, "other");
        ev.setLong(Field.CONTAINER_PIDS_LIMIT, 10);
        ev.setText(Field.CONTAINER_ID, SHORT_A);
        state.enrich(ev);
        assertEquals("other", ev.string(Field.PROC_NAME));
        assertEquals(10, ev.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals(10, ev.getLong(Field.CONTAINER_PIDS_USAGE));
        // the limit sent on one event is the container's from now on (it wins over the cgroup)
        Event next = thin("socket", 200);
        state.enrich(next);
        assertEquals(10, next.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals("nginx", next.string(Field.PROC_NAME)); // names change only at execve
    }

    @Test
    void containerIdFromAnEventMovesTheProcessAndFindsItsCgroup() {
        StateEnricher state = enricher(1024, 100);
        fake.process(500, 1, "worker", 0xa80425fbL, PATH_B, "worker");
        Event ev = thin("socket", 500);
        ev.setText(Field.PROC_NAME, "worker");
        ev.setText(Field.CONTAINER_ID, SHORT_B);
        state.enrich(ev);
        assertEquals(-1, ev.getLong(Field.CONTAINER_PIDS_LIMIT)); // pids.max "max", found via /proc/500/cgroup
        assertEquals(1, ev.getLong(Field.CONTAINER_LIVE_PROCS));
        assertFalse(ev.has(Field.CONTAINER_PIDS_USAGE));
    }

    @Test
    void vanishedPidsAreReadOnceThenNegativelyCached() {
        StateEnricher state = seeded();
        for (int i = 0; i < 5; i++) {
            state.enrich(thin("procexit", 777)); // exit of an unknown pid: no read at all
            Event ev = thin("socket", 778);
            state.enrich(ev);
            assertFalse(ev.has(Field.PROC_NAME));
            assertFalse(ev.has(Field.CONTAINER_ID));
            state.enrich(thin("procexit", 778));
        }
        assertEquals(1.0, registry.get("vigil.state.proc.reads").tag("result", "vanished").counter().count());
    }

    @Test
    void procReadsAreRateLimitedAndCounted() {
        StateEnricher state = enricher(1024, 3);
        for (int pid = 1000; pid < 1010; pid++) {
            fake.process(pid, 1, "p" + pid, 0, "/", "p");
        }
        for (int pid = 1000; pid < 1010; pid++) {
            state.enrich(thin("socket", pid));
        }
        assertEquals(3.0, registry.get("vigil.state.proc.reads").tag("result", "ok").counter().count());
        assertEquals(7.0, registry.get("vigil.state.proc.reads.limited").counter().count());
        // the next second, a pending entry is read on its next event
        clock.add(Duration.ofSeconds(1));
        Event ev = thin("socket", 1009);
        state.enrich(ev);
        assertEquals("p1009", ev.string(Field.PROC_NAME));
    }

    @Test
    void evictsTheLeastRecentlySeenWhenFull() {
        StateEnricher state = enricher(1024, 0);
        for (int pid = 1; pid <= 1024; pid++) {
            Event ev = thin("socket", pid);
            ev.setText(Field.PROC_NAME, "p");
            ev.setText(Field.CONTAINER_ID, "host");
            state.enrich(ev);
        }
        state.enrich(thin("socket", 1)); // pid 1 seen again: pid 2 is now the oldest
        Event ev = thin("socket", 5000);
        ev.setText(Field.PROC_NAME, "new");
        ev.setText(Field.CONTAINER_ID, "host");
        state.enrich(ev);
        assertEquals(1024, state.processCount());
        assertEquals(1.0, registry.get("vigil.state.processes.evicted").counter().count());
        Event one = thin("socket", 1);
        state.enrich(one);
        assertEquals("p", one.string(Field.PROC_NAME));
        Event two = thin("socket", 2);
        state.enrich(two);
        assertFalse(two.has(Field.PROC_NAME)); // evicted, and /proc reads are off in this test
        assertEquals(1024.0, registry.get("vigil.state.processes").gauge().value());
    }

    @Test
    void pidsEventsRiseSynthesizesAPidsMaxHitEvent() {
        StateEnricher state = seeded();
        Event slot = new Event();
        List<String> seen = new ArrayList<>();
        assertEquals(0, state.pollPidsEvents(clock.monotonicTime(), slot, e -> seen.add(e.toString())));
        fake.pidsEvents(PATH_A, 21);
        // within the second: not read again
        assertEquals(0, state.pollPidsEvents(clock.monotonicTime() + 500_000_000L, slot, e -> seen.add(e.toString())));
        clock.add(Duration.ofSeconds(1));
        List<Event> hits = new ArrayList<>();
        assertEquals(1, state.pollPidsEvents(clock.monotonicTime(), slot, e -> {
            Event copy = new Event();
            copy.copyFrom(e);
            hits.add(copy);
        }));
        Event hit = hits.get(0);
        assertTrue(hit.isValid());
        assertEquals("pids_max_hit", hit.string(Field.EVT_TYPE));
        assertEquals(SHORT_A, hit.string(Field.CONTAINER_ID));
        assertEquals(40, hit.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals(1, hit.getLong(Field.CONTAINER_LIVE_PROCS));
        int count = hit.findExtra(StateEnricher.ARG_COUNT);
        assertEquals(21, hit.extraLong(count));
        assertEquals("21", hit.extraString(count));
        assertTrue(seen.isEmpty());
        assertEquals(1.0, registry.get("vigil.state.pids.max.hits").counter().count());
        // unchanged counter: nothing
        clock.add(Duration.ofSeconds(1));
        assertEquals(0, state.pollPidsEvents(clock.monotonicTime(), slot, e -> seen.add(e.toString())));
    }

    @Test
    void containersWithoutLiveProcessesAreForgotten() {
        StateEnricher state = seeded();
        assertEquals(1, state.containerCount());
        state.enrich(thin("procexit", 200));
        Event slot = new Event();
        state.pollPidsEvents(clock.monotonicTime(), slot, e -> { });
        assertEquals(1, state.containerCount());
        clock.add(Duration.ofSeconds(61));
        state.pollPidsEvents(clock.monotonicTime(), slot, e -> { });
        assertEquals(0, state.containerCount());
        assertEquals(0.0, registry.get("vigil.state.containers").gauge().value());
    }

    @Test
    void eventWithoutPidGetsContainerDerivedFields() {
        StateEnricher state = seeded();
        Event ev = new Event();
        ev.clear();
        ev.setValid(true);
        ev.setText(Field.EVT_TYPE, "container");
        ev.setText(Field.CONTAINER_ID, SHORT_A);
        state.enrich(ev);
        assertEquals(1, ev.getLong(Field.CONTAINER_LIVE_PROCS));
        assertEquals(40, ev.getLong(Field.CONTAINER_PIDS_LIMIT));
    }
}
