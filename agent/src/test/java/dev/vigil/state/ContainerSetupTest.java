package dev.vigil.state;

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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code proc.is_container_setup}: the runtime's set-up of a container is told by where its processes
 * came from (forked outside, then seen inside, until the hand-over exec), never by a name. The event
 * sequences are the sensor's for a runc start and a {@code runc exec} on this kernel (pids renumbered).
 */
class ContainerSetupTest {
    private static final String PATH_A = "/docker/" + FakeProcRoot.DOCKER_ID_A;
    private static final String A = "3f1c0a9e2b7d";
    private static final String B = "9b2e4c6a8d0f";
    private static final String RUNC_CAPS = "0x000001fffeffffff";
    private static final String SYS_ADMIN_CAPS = "0x00000000a82425fb";

    @TempDir
    Path tmp;
    StateEnricher state;

    @BeforeEach
    void setUp() {
        FakeProcRoot fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .process(100, 1, "containerd-shim", 0x1ffffffffffL, "/", "/usr/bin/containerd-shim-runc-v2")
            .process(200, 100, "nginx", 0xa80425fbL, PATH_A, "/usr/sbin/nginx")
            .pidsMax(PATH_A, "max");
        state = new StateEnricher(new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), 1024, 16, 100),
            new SimpleMeterRegistry(), new MockClock());
        assertEquals(3, state.seedFromProc());
    }

    /** One sensor line: type, pid, ppid, comm, container, then extra {@code "key":value} pairs. */
    private Event line(String type, int pid, int ppid, String comm, String container, String more) {
        return SensorLines.enrich(state, type, pid, ppid, comm, container, more);
    }

    private void cloneChild(int pid, int ppid, String comm, String container, int child) {
        line("clone", pid, ppid, comm, container, "\"evt.rawres\":" + child);
    }

    private Event exec(int pid, int ppid, String comm, String container, String exe, String caps) {
        return line("execve", pid, ppid, comm, container,
            "\"proc.exepath\":\"" + exe + "\",\"thread.cap_effective\":\"" + caps + "\"");
    }

    private static boolean setup(Event e) {
        assertTrue(e.has(Field.PROC_IS_CONTAINER_SETUP), "filled on every event of a container process");
        return e.getBool(Field.PROC_IS_CONTAINER_SETUP);
    }

    /** runc started by the shim (pid 100): forked on the host, then moved into container B. */
    private void runcInitEntersB() {
        cloneChild(100, 1, "containerd-shim", "host", 300);
        exec(300, 100, "runc", "host", "/usr/sbin/runc", RUNC_CAPS);
        cloneChild(300, 100, "runc", "host", 301);
        Event reexec = exec(301, 300, "exe", "host", "/proc/self/exe", RUNC_CAPS);
        assertFalse(reexec.has(Field.PROC_IS_CONTAINER_SETUP), "on the host: no container, no field");
    }

    @Test
    void theRuntimesSetUpIsSetUpUntilItExecsTheEntrypoint() {
        runcInitEntersB();
        // under load runc moves its init into the container's cgroup before the memfd copy's mounts (comm exe)
        assertTrue(setup(line("mount", 301, 300, "exe", B, "\"evt.arg.flags\":4096")), "exe's mount, inside");
        assertTrue(setup(exec(301, 300, "runc", B, "/dev/fd/6", RUNC_CAPS)), "runc re-executing itself from a memfd");
        cloneChild(301, 300, "runc:[0:PARENT]", B, 302);
        assertTrue(setup(line("unshare", 302, 300, "runc:[1:CHILD]", B, "\"evt.arg.flags\":1812070400")));
        cloneChild(302, 300, "runc:[1:CHILD]", B, 303);
        assertTrue(setup(line("mount", 303, 300, "runc:[2:INIT]", B, "")), "runc:[2:INIT] builds the root");
        assertTrue(setup(line("pivot_root", 303, 300, "runc:[2:INIT]", B, "")));

        Event handOver = exec(303, 300, "sh", B, "/bin/sh", SYS_ADMIN_CAPS);
        assertFalse(setup(handOver), "the entrypoint's exec is the workload's first event");
        assertFalse(setup(line("mount", 303, 300, "sh", B, "")), "the entrypoint mounting: the workload");
        assertTrue(setup(line("umount2", 302, 300, "runc:[1:CHILD]", B, "")), "the other stages keep their mark");
    }

    @Test
    void aProcessTheWorkloadForksIsNeverSetUpWhateverItsNameOrExe() {
        runcInitEntersB();
        line("mount", 301, 300, "exe", B, "");
        cloneChild(301, 300, "runc:[0:PARENT]", B, 303);
        exec(303, 300, "sh", B, "/bin/sh", SYS_ADMIN_CAPS);
        // the attack: cp unshare /tmp/runc; /tmp/runc -m true
        cloneChild(303, 300, "sh", B, 310);
        assertFalse(setup(exec(310, 303, "runc", B, "/tmp/runc", SYS_ADMIN_CAPS)));
        assertFalse(setup(line("unshare", 310, 303, "runc", B, "\"evt.arg.flags\":131072")));
        // names and executables of the runtime's own stages, chosen by the workload
        cloneChild(303, 300, "sh", B, 311);
        assertFalse(setup(exec(311, 303, "runc:[2:INIT]", B, "/dev/fd/6", SYS_ADMIN_CAPS)));
        assertFalse(setup(line("mount", 311, 303, "runc:[2:INIT]", B, "")));
        cloneChild(303, 300, "sh", B, 312);
        assertFalse(setup(exec(312, 303, "exe", B, "/proc/self/exe", SYS_ADMIN_CAPS)));
        assertFalse(setup(line("mount", 312, 303, "exe", B, "")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/dev/fd/6", "/proc/self/fd/7", "memfd:runc_cloned:/proc/self/exe", "/proc/self/exe"})
    void theRuntimeReexecutingItselfKeepsTheMark(String exe) {
        runcInitEntersB();
        line("mount", 301, 300, "exe", B, "");
        assertTrue(setup(exec(301, 300, "runc", B, exe, RUNC_CAPS)));
        assertTrue(setup(line("mount", 301, 300, "runc", B, "")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/proc/self/exe", "/dev/fd/3", "/proc/self/root/bin/unshare"})
    void aForkedStagesExecIsTheHandOverWhateverItsPath(String entrypoint) {
        // an image whose entrypoint looks like a runtime re-exec gets no exemption
        runcInitEntersB();
        line("mount", 301, 300, "exe", B, "");
        cloneChild(301, 300, "runc:[0:PARENT]", B, 303);
        assertFalse(setup(exec(303, 300, "unshare", B, entrypoint, SYS_ADMIN_CAPS)));
        assertFalse(setup(line("unshare", 303, 300, "unshare", B, "")));
    }

    @Test
    void anExecEnteringThroughSetnsIsSetUpUntilItsCommandRuns() {
        // runc exec into the running container A (nginx, pid 200): forked on the host, setns, exec
        cloneChild(100, 1, "containerd-shim", "host", 400);
        exec(400, 100, "runc", "host", "/usr/sbin/runc", RUNC_CAPS);
        cloneChild(400, 100, "runc", "host", 401);
        exec(401, 400, "exe", "host", "/proc/self/exe", RUNC_CAPS);
        exec(401, 400, "runc", "host", "/dev/fd/5", RUNC_CAPS);
        assertTrue(setup(line("setns", 401, 400, "runc:[0:PARENT]", A, "\"evt.arg.nstype\":1073741824")));
        cloneChild(401, 400, "runc:[0:PARENT]", A, 402);
        assertTrue(setup(line("setns", 402, 400, "runc:[1:CHILD]", A, "")));
        cloneChild(402, 400, "runc:[1:CHILD]", A, 403);
        assertTrue(setup(line("setns", 403, 400, "runc:[2:INIT]", A, "")));
        assertFalse(setup(exec(403, 400, "sh", A, "/bin/sh", "0x00000000a80425fb")), "the exec'd command");
        assertFalse(setup(line("mount", 403, 400, "sh", A, "")));
        assertFalse(setup(line("mount", 200, 100, "nginx", A, "")), "the container's own workload");
    }

    @Test
    void aDetachedExecWhoseRuncExitedFirstIsStillTheRuntimesUntilItsCommandRuns() {
        // runc exec -d, as the sensor shows it: the stages stay in the host's cgroup, runc moves the last one
        // into A and exits; its exit is reported before the kernel reparents that process, whose next lines
        // still name runc (pid 400) as its parent
        cloneChild(100, 1, "containerd-shim", "host", 400);
        exec(400, 100, "runc", "host", "/usr/sbin/runc", RUNC_CAPS);
        cloneChild(400, 100, "runc", "host", 401);
        exec(401, 400, "exe", "host", "/proc/self/exe", RUNC_CAPS);
        exec(401, 400, "runc", "host", "/dev/fd/5", RUNC_CAPS);
        cloneChild(401, 400, "runc:[0:PARENT]", "host", 402);
        cloneChild(402, 400, "runc:[1:CHILD]", "host", 403);
        line("procexit", 402, 400, "runc:[1:CHILD]", "host", "");
        line("procexit", 401, 400, "runc:[0:PARENT]", "host", "");
        line("procexit", 400, 100, "runc", "host", "");
        assertTrue(setup(line("mount", 403, 400, "runc:[2:INIT]", A, "")), "runc's, though runc is gone");
        assertFalse(setup(exec(403, 400, "sh", A, "/bin/sh", SYS_ADMIN_CAPS)), "the exec'd command");
    }

    @Test
    void aReusedPidWhoseParentExitedInsideIsTheWorkload() {
        cloneChild(100, 1, "containerd-shim", "host", 700); // then its exit was lost, and pid 700 reused in A
        cloneChild(200, 100, "nginx", A, 210);
        line("procexit", 210, 200, "nginx", A, "");
        assertFalse(setup(line("mount", 700, 210, "sh", A, "")), "its parent, gone, was in A");
    }

    @Test
    void aProcessEnteringOnItsFirstExecIsSetUpOnlyIfTheExecIsTheRuntimesOwn() {
        // clone3(CLONE_INTO_CGROUP): the child's first event inside is its exec
        cloneChild(100, 1, "containerd-shim", "host", 500);
        assertTrue(setup(exec(500, 100, "exe", B, "/proc/self/exe", RUNC_CAPS)));
        cloneChild(100, 1, "containerd-shim", "host", 501);
        assertFalse(setup(exec(501, 100, "sh", B, "/bin/sh", RUNC_CAPS)), "entered and handed over at once");
    }

    @Test
    void aContainersInitMovedToTheHostsCgroupAndBackStaysTheWorkload() {
        // the container's init after the hand-over: its parent is runc, outside, as every container init's is
        runcInitEntersB();
        line("mount", 301, 300, "exe", B, "");
        cloneChild(301, 300, "runc:[0:PARENT]", B, 303);
        assertFalse(setup(exec(303, 300, "sh", B, "/bin/sh", SYS_ADMIN_CAPS)));
        line("getpid", 303, 300, "sh", "host", "");
        assertFalse(setup(line("mount", 303, 300, "sh", B, "")), "with the host's cgroupfs, a hop out and back in");
        // nginx (pid 200, container A), found in /proc at start: its cgroup there wins over the wire
        line("getpid", 200, 100, "nginx", "host", "");
        assertFalse(setup(line("mount", 200, 100, "nginx", A, "")));
        cloneChild(200, 100, "nginx", A, 210);
        line("getpid", 210, 200, "nginx", "host", "");
        assertFalse(setup(line("mount", 210, 200, "nginx", B, "")), "nor into another container via the host");
    }

    @Test
    void processesSeenFirstInsideAreTheWorkload() {
        // seeded from /proc at start (pid 200), or met first inside: a lost fork, an eviction, a thin event
        assertFalse(setup(line("mount", 200, 100, "nginx", A, "")));
        assertFalse(setup(line("mount", 600, 100, "runc:[2:INIT]", B, "")), "first seen inside, parent on the host");
        assertFalse(setup(line("mount", 601, 0, "exe", B, "")), "first seen inside, no parent");
        line("getpid", 602, 0, "exe", "host", ""); // a producer that sends no proc.ppid
        assertFalse(setup(line("mount", 602, 0, "exe", B, "")), "from the host, but nothing says who made it");
    }

    @Test
    void aReusedPidWhoseParentIsInsideIsTheWorkload() {
        cloneChild(100, 1, "containerd-shim", "host", 700); // then its exit was lost, and pid 700 reused in A
        assertFalse(setup(line("mount", 700, 200, "sh", A, "")), "its parent, nginx, is in A");
    }

    @Test
    void theSetUpsFullSetDoesNotMakeAContainerPrivilegedTheWorkloadsDoes() {
        String full = "0x" + Long.toHexString(state.fullCapabilitySet());
        cloneChild(100, 1, "containerd-shim", "host", 800);
        exec(800, 100, "exe", "host", "/proc/self/exe", full);
        line("mount", 800, 100, "exe", B, "\"thread.cap_effective\":\"" + full + "\"");
        Event reexec = exec(800, 100, "runc", B, "/dev/fd/6", full);
        assertFalse(reexec.has(Field.CONTAINER_PRIVILEGED), "the runtime's full set is not the container's");
        cloneChild(800, 100, "runc:[0:PARENT]", B, 801);
        Event handOver = exec(801, 100, "sleep", B, "/bin/sleep", "0x00000000a80425fb");
        assertFalse(handOver.has(Field.CONTAINER_PRIVILEGED));

        cloneChild(100, 1, "containerd-shim", "host", 900);
        line("mount", 900, 100, "exe", "c0ffee000001", "\"thread.cap_effective\":\"" + full + "\"");
        Event privileged = exec(900, 100, "sleep", "c0ffee000001", "/bin/sleep", full);
        assertTrue(privileged.getBool(Field.CONTAINER_PRIVILEGED), "the workload exec'd with the full set");
    }
}
