package dev.vigil.posture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.state.ProcReader;
import dev.vigil.state.StateEnricher;
import dev.vigil.testing.OciContainers;
import dev.vigil.testing.OciContainers.Container;
import dev.vigil.testing.TestEvents;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code vigil posture} and the /proc enrichment against real containers started with runc:
 * a privileged one (every capability), one with CAP_SYS_ADMIN added to Docker's default set, one with
 * pids.max = 40, and one without a pids limit (both with Docker's default set).
 */
class PostureIT {
    private static final long SYS_ADMIN = 1L << Capabilities.CAP_SYS_ADMIN;
    private static OciContainers oci;
    private static Container privileged;
    private static Container sysAdmin;
    private static Container limited;
    private static Container unlimited;
    private static long fullSet;

    /** Skips when a component is missing, unless VIGIL_REQUIRE_INTEGRATION=1: then fails. */
    static void requireOrSkip(boolean available, String what) {
        if (available) {
            return;
        }
        if ("1".equals(System.getenv("VIGIL_REQUIRE_INTEGRATION"))) {
            fail("VIGIL_REQUIRE_INTEGRATION=1 but " + what);
        }
        Assumptions.assumeTrue(false, "skipped: " + what);
    }

    @BeforeAll
    static void startContainers() throws Exception {
        String reason = OciContainers.unavailableReason();
        requireOrSkip(reason == null, reason);
        // docker --privileged grants the runtime's bounding set (init's), which the agent calls full.
        fullSet = new ProcReader("/proc", "/sys/fs/cgroup").fullCapabilitySet(Capabilities.FULL_SET);
        oci = new OciContainers(Files.createTempDirectory("vigil-posture-it"));
        try {
            privileged = oci.start("priv", new OciContainers.Spec().capabilities(fullSet).pidsLimit(1000));
            sysAdmin = oci.start("sysadmin",
                new OciContainers.Spec().capabilities(Capabilities.DOCKER_DEFAULT | SYS_ADMIN).pidsLimit(1000));
            limited = oci.start("limited", new OciContainers.Spec().pidsLimit(40));
            unlimited = oci.start("unlimited", new OciContainers.Spec());
        } catch (Exception | Error e) {
            oci.close();
            oci = null;
            throw e;
        }
    }

    @AfterAll
    static void stopContainers() {
        if (oci != null) {
            oci.close();
        }
    }

    @Test
    void postureReportsEachContainersProblem() {
        PostureReport r = new PostureScanner("/proc", "/sys/fs/cgroup").scan();

        PostureReport.ProcessFinding p = only(r.privilegedProcesses(), privileged);
        assertEquals(privileged.pid(), p.pid());
        assertEquals("sleep", p.name());
        assertEquals(Capabilities.hex(fullSet), p.capEffective());

        PostureReport.ProcessFinding s = only(r.capabilitiesBeyondDefault(), sysAdmin);
        assertEquals(List.of("CAP_SYS_ADMIN"), s.extraCapabilities());
        assertEquals(Capabilities.hex(Capabilities.DOCKER_DEFAULT | SYS_ADMIN), s.capEffective());

        for (Container clean : List.of(limited, unlimited)) {
            assertTrue(r.privilegedProcesses().stream().noneMatch(f -> f.containerId().equals(clean.shortId())));
            assertTrue(r.capabilitiesBeyondDefault().stream().noneMatch(f -> f.containerId().equals(clean.shortId())));
        }
        assertTrue(r.containersWithoutPidsLimit().stream().anyMatch(c -> c.containerId().equals(unlimited.shortId())),
            r.containersWithoutPidsLimit().toString());
        assertTrue(r.containersWithoutPidsLimit().stream().noneMatch(c -> c.containerId().equals(limited.shortId())));
        PostureReport.ContainerPosture lim = r.containers().stream()
            .filter(c -> c.containerId().equals(limited.shortId())).findFirst().orElseThrow();
        assertEquals(40L, lim.pidsLimit());
        assertEquals(1, lim.processes());
    }

    @Test
    void thinEventsAreFilledFromProcForEachContainer() {
        StateEnricher state = new StateEnricher(StateConfig.defaults(), new SimpleMeterRegistry(), new MockClock());
        Event priv = enrich(state, privileged);
        assertEquals(fullSet, priv.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertTrue(priv.getBool(Field.CONTAINER_PRIVILEGED));
        assertEquals(1000, priv.getLong(Field.CONTAINER_PIDS_LIMIT));

        Event admin = enrich(state, sysAdmin);
        assertEquals(Capabilities.DOCKER_DEFAULT | SYS_ADMIN, admin.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertFalse(admin.has(Field.CONTAINER_PRIVILEGED));

        Event lim = enrich(state, limited);
        assertEquals(Capabilities.DOCKER_DEFAULT, lim.getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals(40, lim.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertEquals(1, lim.getLong(Field.CONTAINER_LIVE_PROCS));
        assertEquals(2, lim.getLong(Field.CONTAINER_PIDS_USAGE));

        Event unl = enrich(state, unlimited);
        assertEquals(-1, unl.getLong(Field.CONTAINER_PIDS_LIMIT));
        assertFalse(unl.has(Field.CONTAINER_PIDS_USAGE));
    }

    @Test
    void forkBombAgainstPidsMaxIsConfirmedFromPidsEvents() throws Exception {
        StateEnricher state = new StateEnricher(StateConfig.defaults(), new SimpleMeterRegistry(), new MockClock());
        enrich(state, limited); // the container becomes known, with its pids cgroup
        Event slot = new Event();
        List<Event> hits = new ArrayList<>();
        long t = 1_000_000_000_000L;
        state.pollPidsEvents(t, slot, e -> hits.add(copy(e))); // first read: baseline only
        // 60 background sleeps against pids.max = 40: the kernel refuses the forks beyond it
        assertEquals(0, oci.exec(limited, "/bin/sh", "-c", "for i in $(seq 60); do sleep 30 & done; exit 0"));
        awaitRefusals(Path.of("/sys/fs/cgroup/pids" + limited.cgroupPath()), Path.of("/sys/fs/cgroup" + limited.cgroupPath()));
        state.pollPidsEvents(t + StateEnricher.POLL_INTERVAL_NANOS, slot, e -> hits.add(copy(e)));
        List<Event> mine = hits.stream()
            .filter(e -> limited.shortId().equals(e.string(Field.CONTAINER_ID))).toList();
        assertEquals(1, mine.size(), hits.toString());
        Event hit = mine.get(0);
        assertEquals(StateEnricher.PIDS_MAX_HIT, hit.string(Field.EVT_TYPE));
        assertEquals(40, hit.getLong(Field.CONTAINER_PIDS_LIMIT));
        long count = hit.extraLong(hit.findExtra(StateEnricher.ARG_COUNT));
        assertTrue(count >= 1, "refused forks: " + count);
    }

    /** Waits (10 s at most) until the kernel has counted a refused fork in the container's pids.events. */
    private static void awaitRefusals(Path... dirs) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (Path d : dirs) {
                if (ProcReader.readPidsEventsMax(d.toString()) > 0) {
                    return;
                }
            }
            Thread.sleep(50);
        }
        fail("no refused fork counted in pids.events within 10 s");
    }

    private static Event copy(Event e) {
        Event c = new Event();
        c.copyFrom(e);
        return c;
    }

    private static Event enrich(StateEnricher state, Container c) {
        Event ev = TestEvents.thin("socket", c.pid());
        state.enrich(ev);
        assertEquals(c.shortId(), ev.string(Field.CONTAINER_ID), ev.toString());
        assertEquals("sleep", ev.string(Field.PROC_NAME));
        assertEquals("sleep 300", ev.string(Field.PROC_CMDLINE));
        assertEquals(0, ev.getLong(Field.USER_UID));
        // runc's init exec'd sleep; its parent (the host's reaper here) was never seen, so only the ppid is known
        assertTrue(ev.getLong(Field.PROC_PPID) > 0, ev.toString());
        return ev;
    }

    private static PostureReport.ProcessFinding only(List<PostureReport.ProcessFinding> findings, Container c) {
        List<PostureReport.ProcessFinding> mine = findings.stream()
            .filter(f -> f.containerId().equals(c.shortId())).toList();
        assertEquals(1, mine.size(), findings.toString());
        return mine.get(0);
    }
}
