package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.testing.FakeProcRoot;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sandbox of a container is read once, at its workload's first event (not the runtime's set-up), and
 * becomes one {@code container_posture} event when it makes findings; a process exec'd into the
 * container with less sandbox than the workload becomes one too. The reads run on the caller's thread
 * here (a direct executor), so the answers are there at the next drain.
 */
class SandboxWatchTest {
    private static final String B = "9b2e4c6a8d0f";
    private static final String RUNC_CAPS = "0x000001fffeffffff";
    private static final String HOST_MOUNTS = "27 1 254:0 / / rw - ext4 /dev/vda rw\n22 27 0:21 / /proc rw - proc proc rw\n";

    @TempDir
    Path tmp;
    FakeProcRoot fake;
    StateEnricher state;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final List<String> posture = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .process(100, 1, "containerd-shim", 0x1ffffffffffL, "/", "/usr/bin/containerd-shim-runc-v2");
        write("1/status", "Name:\tsystemd\nPPid:\t0\nUid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\nNSpid:\t1\n");
        write("1/mountinfo", HOST_MOUNTS);
        write("1/uid_map", "0 0 4294967295\n");
        state = new StateEnricher(new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), 1024, 16, 100),
            registry, new MockClock());
        state.seedFromProc();
    }

    private void enable(Set<SandboxFinding> alertOn) {
        state.enableSandboxReads(alertOn, Runnable::run);
    }

    private void write(String rel, String text) throws IOException {
        Path p = Path.of(fake.procRoot()).resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** A workload process's /proc: the given seccomp mode, pid-namespace depth and uid map. */
    private void workloadProc(int pid, String seccomp, String nspid, String uidMap, String capBnd) throws IOException {
        write(pid + "/status", "Name:\tsh\nPPid:\t300\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\n"
            + "CapBnd:\t" + capBnd + "\nNSpid:\t" + nspid + "\nNoNewPrivs:\t1\nSeccomp:\t" + seccomp + "\n");
        write(pid + "/mountinfo", "600 500 254:0 /srv/rootfs / rw - ext4 /dev/vda rw\n601 600 0:90 / /proc rw - proc proc rw\n");
        write(pid + "/uid_map", uidMap);
    }

    private Event line(String type, int pid, int ppid, String comm, String container, String more) {
        return SensorLines.enrich(state, type, pid, ppid, comm, container, more);
    }

    private Event exec(int pid, int ppid, String comm, String exe, String container) {
        return line("execve", pid, ppid, comm, container, "\"proc.exepath\":\"" + exe + "\",\"thread.cap_effective\":\""
            + RUNC_CAPS + "\"");
    }

    /** runc's start of container B: its init enters from the host, then execs the entrypoint (pid 303). */
    private Event startB() {
        line("clone", 100, 1, "containerd-shim", "host", "\"evt.rawres\":300");
        exec(300, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 300, 100, "runc", "host", "\"evt.rawres\":301");
        exec(301, 300, "exe", "/proc/self/exe", "host");
        line("mount", 301, 300, "exe", B, "");
        line("clone", 301, 300, "runc:[0:PARENT]", B, "\"evt.rawres\":303");
        line("mount", 303, 300, "runc:[2:INIT]", B, "");
        return exec(303, 300, "sh", "/bin/sh", B);
    }

    private int drain() {
        return state.drainSandboxes(new Event(), e -> posture.add(
            extra(e, "evt.arg.findings") + "|" + extra(e, "evt.arg.alert") + "|" + e.string(Field.CONTAINER_ID) + "|"
                + e.getLong(Field.PROC_PID) + (extra(e, "evt.arg.weaker") == null ? "" : "|" + extra(e, "evt.arg.weaker"))));
    }

    private static String extra(Event e, String name) {
        int i = e.findExtra(name);
        return i < 0 ? null : e.extraString(i);
    }

    private double gauge(String finding) {
        return registry.get("vigil.posture.containers").tag("finding", finding).gauge().value();
    }

    @Test
    void aHardenedContainerIsReadOnceAndRaisesNothing() throws IOException {
        workloadProc(303, "2", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        enable(Set.of());
        Event handOver = startB();
        assertEquals(0, drain());
        assertEquals(List.of(), posture);
        Event next = line("open", 303, 300, "sh", B, "");
        assertEquals("filter", next.sandbox().sandboxField("container.seccomp"));
        assertEquals("true", next.sandbox().sandboxField("container.userns"));
        assertEquals("", next.sandbox().sandboxField("container.posture.findings"));
        assertNull(handOver.sandbox(), "not read yet when the hand-over is filled");
        assertEquals(1.0, registry.get("vigil.state.sandbox.reads").tag("result", "ok").counter().count());
    }

    @Test
    void everyAskTheSpentBudgetRefusesIsCountedAsLimitedByTheNextDrain() throws IOException {
        // No /proc reads at all: the workload's sandbox is asked for at each of its events, and refused each time.
        state = new StateEnricher(new StateConfig(fake.procRoot(), fake.cgroupRoot(), tmp.toString(), 1024, 16, 0),
            registry = new SimpleMeterRegistry(), new MockClock());
        workloadProc(303, "2", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        enable(Set.of());
        Event handOver = startB();
        for (int i = 0; i < 4; i++) {
            line("open", 303, 300, "sh", B, "");
        }
        line("open", 301, 300, "runc:[2:INIT]", B, ""); // the set-up's: never asks
        assertEquals(0, drain());
        assertNull(handOver.sandbox());
        assertEquals(5.0, registry.get("vigil.state.sandbox.reads").tag("result", "limited").counter().count(),
            "the hand-over exec and the four events after it");
        assertEquals(0.0, registry.get("vigil.state.sandbox.reads").tag("result", "ok").counter().count());
        line("open", 303, 300, "sh", B, "");
        drain();
        assertEquals(6.0, registry.get("vigil.state.sandbox.reads").tag("result", "limited").counter().count());
    }

    @Test
    void theRuntimesSetUpIsNeverRead() throws IOException {
        workloadProc(301, "0", "301", "0 0 4294967295\n", "000001fffeffffff");
        enable(Set.of());
        line("clone", 100, 1, "containerd-shim", "host", "\"evt.rawres\":300");
        exec(300, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 300, 100, "runc", "host", "\"evt.rawres\":301");
        exec(301, 300, "exe", "/proc/self/exe", "host");
        line("mount", 301, 300, "exe", B, "");
        line("unshare", 301, 300, "runc:[1:CHILD]", B, "");
        assertEquals(0, drain());
        assertEquals(0.0, registry.get("vigil.state.sandbox.reads").tag("result", "ok").counter().count());
    }

    @Test
    void aHostPidContainerIsOneEventWhateverItsForksAndSeccompAlertsOnlyWhenAsked() throws IOException {
        workloadProc(303, "0", "303", "0 0 4294967295\n", "00000000a80425fb");
        enable(EnumSet.noneOf(SandboxFinding.class));
        startB();
        assertEquals(1, drain());
        for (int i = 0; i < 300; i++) { // a fork-happy workload
            line("clone", 303, 300, "sh", B, "\"evt.rawres\":" + (1000 + i));
            exec(1000 + i, 303, "true", "/bin/true", B);
            line("procexit", 1000 + i, 303, "true", B, "");
        }
        assertEquals(0, drain());
        assertEquals(List.of("host_pid,seccomp_disabled,root_without_userns|host_pid|" + B + "|303"), posture);
        assertEquals(1.0, gauge("host_pid"));
        assertEquals(1.0, gauge("seccomp_disabled"));
        assertEquals(0.0, gauge("host_net"));
    }

    @Test
    void theConfigTurnsADefaultOffFindingIntoAnAlert() throws IOException {
        workloadProc(303, "0", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        enable(EnumSet.of(SandboxFinding.SECCOMP_DISABLED));
        startB();
        drain();
        assertEquals(List.of("seccomp_disabled|seccomp_disabled|" + B + "|303"), posture);
    }

    @Test
    void aPrivilegedExecIntoTheContainerIsOneEvent() throws IOException {
        workloadProc(303, "2", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        enable(Set.of());
        startB();
        drain();
        // runc exec --cap CAP_SYS_ADMIN: runc on the host forks its init, which joins B and execs the command
        write("401/status", "Name:\tsh\nUid:\t0\t0\t0\t0\nCapEff:\t00000000a82425fb\nCapBnd:\t00000000a82425fb\n"
            + "NSpid:\t401\t7\nNoNewPrivs:\t1\nSeccomp:\t2\n");
        line("clone", 100, 1, "containerd-shim", "host", "\"evt.rawres\":400");
        exec(400, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 400, 100, "runc", "host", "\"evt.rawres\":401");
        exec(401, 400, "exe", "/proc/self/exe", "host");
        line("setns", 401, 400, "runc:[2:INIT]", B, "");
        exec(401, 400, "sh", "/bin/sh", B);
        assertEquals(1, drain());
        assertEquals(List.of("privileged_exec|privileged_exec|" + B + "|401|capabilities beyond the workload's: CAP_SYS_ADMIN"),
            posture);
        // an exec with the workload's sandbox is nothing
        write("501/status", "Name:\tsh\nUid:\t0\t0\t0\t0\nCapEff:\t00000000a80425fb\nNSpid:\t501\t8\nNoNewPrivs:\t1\nSeccomp:\t2\n");
        line("clone", 100, 1, "containerd-shim", "host", "\"evt.rawres\":500");
        exec(500, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 500, 100, "runc", "host", "\"evt.rawres\":501");
        line("setns", 501, 500, "runc:[2:INIT]", B, "");
        exec(501, 500, "sh", "/bin/sh", B);
        assertEquals(0, drain());
        assertTrue(registry.get("vigil.posture.privileged_execs").counter().count() == 1.0);
    }

    /**
     * {@code runc exec -d --cap CAP_SYS_ADMIN} as the sensor shows it (runc 1.1.5 on this node, pids
     * renumbered): runc forks {@code runc init}, whose stages stay in the host's cgroup while they join the
     * container's namespaces; {@code runc:[1:CHILD]} clones {@code runc:[2:INIT]} (CLONE_PARENT: its parent is
     * runc); runc moves it into the container's cgroup and, detached, exits. The kernel reports that exit
     * before it reparents the process, so its exec, its first line in the container, may still name runc as
     * its parent (issue 17: the exec was then taken for the workload's own, and not checked).
     */
    @Test
    void aDetachedRuncExecWhoseRuncExitedFirstIsStillAPrivilegedExec() throws IOException {
        workloadProc(303, "2", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        enable(Set.of());
        startB();
        drain();
        write("617/status", "Name:\tsleep\nUid:\t0\t0\t0\t0\nCapEff:\t00000000a82425fb\nCapBnd:\t00000000a82425fb\n"
            + "NSpid:\t617\t2\nNoNewPrivs:\t1\nSeccomp:\t2\n");
        line("clone", 100, 1, "bash", "host", "\"evt.rawres\":608");
        exec(608, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 608, 100, "runc", "host", "\"evt.rawres\":614");
        exec(614, 608, "exe", "/proc/self/exe", "host");
        exec(614, 608, "runc", "/dev/fd/5", "host");
        line("clone", 614, 608, "runc:[0:PARENT]", "host", "\"evt.rawres\":616");
        line("setns", 616, 608, "runc:[1:CHILD]", "host", "");
        line("clone", 616, 608, "runc:[1:CHILD]", "host", "\"evt.rawres\":617");
        line("procexit", 616, 608, "runc:[1:CHILD]", "host", "");
        line("procexit", 614, 608, "runc:[0:PARENT]", "host", "");
        line("procexit", 608, 100, "runc", "host", "");
        line("execve", 617, 608, "sleep", B, "\"proc.exepath\":\"/bin/sleep\",\"thread.cap_effective\":\"0x00000000a82425fb\"");
        assertEquals(1, drain());
        assertEquals(List.of("privileged_exec|privileged_exec|" + B + "|617|capabilities beyond the workload's: CAP_SYS_ADMIN"),
            posture);
        assertEquals(1.0, registry.get("vigil.posture.privileged_execs").counter().count());
    }

    @Test
    void anExecWhileTheWorkloadsReadIsStillOutIsComparedOnceItIsIn() throws IOException {
        workloadProc(303, "2", "303\t1", "0 100000 65536\n", "00000000a80425fb");
        write("401/status", "Name:\tsh\nUid:\t0\t0\t0\t0\nCapEff:\t00000000a82425fb\nCapBnd:\t00000000a82425fb\n"
            + "NSpid:\t401\t7\nNoNewPrivs:\t1\nSeccomp:\t2\n");
        enable(Set.of());
        startB(); // the workload's read is asked; its answer waits for the next drain
        line("clone", 100, 1, "containerd-shim", "host", "\"evt.rawres\":400");
        exec(400, 100, "runc", "/usr/sbin/runc", "host");
        line("clone", 400, 100, "runc", "host", "\"evt.rawres\":401");
        exec(401, 400, "sh", "/bin/sh", B);
        assertEquals(1, drain());
        assertEquals(List.of("privileged_exec|privileged_exec|" + B + "|401|capabilities beyond the workload's: CAP_SYS_ADMIN"),
            posture);
        assertEquals("filter", line("open", 303, 300, "sh", B, "").sandbox().sandboxField("container.seccomp"),
            "the workload's sandbox stays the container's");
    }

    @Test
    void withoutEnablingNothingIsRead() throws IOException {
        workloadProc(303, "0", "303", "0 0 4294967295\n", "00000000a80425fb");
        startB();
        assertEquals(0, drain());
    }
}
