package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SandboxReaderTest {
    @TempDir
    Path tmp;

    private static final String HOST_MOUNTS = """
        27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
        22 27 0:21 / /proc rw,relatime - proc proc rw
        23 27 0:22 / /sys rw,relatime - sysfs sysfs rw
        24 27 0:5 / /dev rw,nosuid - devtmpfs udev rw
        25 27 0:25 / /run rw,nosuid - tmpfs tmpfs rw
        26 24 0:20 / /dev/mqueue rw - mqueue mqueue rw
        """;

    /** A hardened container: own namespaces, a filter, no_new_privs, mapped uid, nothing sensitive mounted. */
    private static final String HARDENED_MOUNTS = """
        600 500 254:0 /srv/bundle/rootfs / ro,relatime - ext4 /dev/vda rw
        601 600 0:90 / /proc rw - proc proc rw
        602 600 0:91 / /dev rw - tmpfs tmpfs rw
        603 602 0:92 / /dev/mqueue rw - mqueue mqueue rw
        604 600 254:0 /var/lib/containers/x/hosts /etc/hosts ro - ext4 /dev/vda rw
        """;

    private Path proc() {
        return tmp.resolve("proc");
    }

    private void write(String rel, String text) throws IOException {
        Path p = proc().resolve(rel);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    private void host() throws IOException {
        status(1, 0, "0\t0\t0\t0", "0", "0", "1");
        write("1/mountinfo", HOST_MOUNTS);
        write("1/uid_map", "         0          0 4294967295\n");
    }

    private void status(int pid, int nspidDepth, String uid, String seccomp, String nnp, String nspid) throws IOException {
        write(pid + "/status", "Name:\tx\nUid:\t" + uid + "\nGid:\t" + uid + "\nCapEff:\t00000000a80425fb\n"
            + "CapBnd:\t00000000a80425fb\nNSpid:\t" + nspid + "\nNoNewPrivs:\t" + nnp + "\nSeccomp:\t" + seccomp
            + "\nSeccomp_filters:\t" + ("2".equals(seccomp) ? "1" : "0") + "\n");
    }

    @Test
    void hardenedContainerHasNoFinding() throws IOException {
        host();
        status(4242, 2, "100000\t100000\t100000\t100000", "2", "1", "4242\t1");
        write("4242/mountinfo", HARDENED_MOUNTS);
        write("4242/uid_map", "         0     100000      65536\n");
        write("4242/attr/current", "docker-default (enforce)\n");
        SandboxReader r = new SandboxReader(proc().toString());
        assertEquals(SandboxReader.Result.OK, r.read(4242, Set.of()));
        SandboxFacts f = r.facts();
        assertEquals("filter", f.seccomp);
        assertEquals(1, f.seccompFilters);
        assertTrue(f.noNewPrivs);
        assertTrue(f.userns);
        assertEquals(100000, f.uid);
        assertEquals("docker-default (enforce)", f.lsmProfile);
        assertEquals(List.of(), f.hostNamespaces, f.toString());
        assertEquals(List.of(), f.sensitiveMounts, f.toString());
        assertEquals(Set.of(), f.findings, f.toString());
        assertTrue(f.unknownNamespaces.contains("uts"), "uts has no trace without the ns link");
        assertEquals("", f.sandboxField("container.posture.findings"));
        assertEquals("true", f.sandboxField("container.userns"));
    }

    @Test
    void hostNamespacesAndSensitiveMountsAreFindings() throws IOException {
        host();
        status(77, 1, "0\t0\t0\t0", "0", "0", "77"); // one pid level: the host's pid namespace
        write("77/mountinfo", """
            700 27 254:0 /srv/b/rootfs / rw - ext4 /dev/vda rw
            701 700 0:21 / /host/proc rw - proc proc rw
            702 700 0:25 /docker.sock /var/run/docker.sock rw - tmpfs tmpfs rw
            703 700 254:0 /etc /host/etc ro - ext4 /dev/vda rw
            704 700 0:20 / /dev/mqueue rw - mqueue mqueue rw
            705 700 0:22 / /sys ro - sysfs sysfs rw
            """);
        write("77/uid_map", "         0          0 4294967295\n");
        SandboxReader r = new SandboxReader(proc().toString());
        assertEquals(SandboxReader.Result.OK, r.read(77, EnumSet.of(SandboxFinding.SECCOMP_DISABLED)));
        SandboxFacts f = r.facts();
        assertEquals(List.of("pid", "ipc", "user"), f.hostNamespaces, f.toString());
        assertEquals(List.of("/proc:/host/proc:rw", "/run/docker.sock:/var/run/docker.sock:rw", "/etc:/host/etc:ro",
            "/sys:/sys:ro"), f.sensitiveMounts);
        assertEquals(List.of(new SandboxReader.HostMount("/srv/b/rootfs", "/", true),
            new SandboxReader.HostMount("/proc", "/host/proc", true),
            new SandboxReader.HostMount("/run/docker.sock", "/var/run/docker.sock", true),
            new SandboxReader.HostMount("/etc", "/host/etc", false),
            new SandboxReader.HostMount("/dev/mqueue", "/dev/mqueue", true), // the host's: its IPC namespace is shared
            new SandboxReader.HostMount("/sys", "/sys", false)),
            f.hostMounts, "container.mount.dest's: every host-path mount, source to destination");
        assertEquals(EnumSet.of(SandboxFinding.HOST_PID, SandboxFinding.HOST_IPC, SandboxFinding.RUNTIME_SOCKET,
            SandboxFinding.HOST_PATH_WRITABLE, SandboxFinding.HOST_PATH_MOUNTED, SandboxFinding.SECCOMP_DISABLED,
            SandboxFinding.NO_NEW_PRIVS_OFF, SandboxFinding.ROOT_WITHOUT_USERNS), f.findings);
        assertEquals(EnumSet.of(SandboxFinding.HOST_PID, SandboxFinding.HOST_IPC, SandboxFinding.RUNTIME_SOCKET,
            SandboxFinding.HOST_PATH_WRITABLE, SandboxFinding.SECCOMP_DISABLED), f.alerting);
        assertEquals("disabled", f.sandboxField("container.seccomp"));
        assertEquals("pid,ipc,user", f.sandboxField("container.host_ns"));
        assertEquals("host_pid,host_ipc,runtime_socket,host_path_writable,host_path_mounted,seccomp_disabled,"
            + "no_new_privs_off,root_without_userns", f.sandboxField("container.posture.findings"));
        assertNull(f.lsmProfile, "no attr file: no LSM");
    }

    @Test
    void netNamespaceByTheInodeOfNetDev() throws IOException {
        host();
        status(9, 1, "1000\t1000\t1000\t1000", "2", "1", "9\t1");
        write("9/mountinfo", HARDENED_MOUNTS);
        // the same file for both: the same inode means the same namespace (procfs gives each its own)
        Files.createDirectories(proc().resolve("1/net"));
        Files.writeString(proc().resolve("1/net/dev"), "lo eth0\n");
        Files.createDirectories(proc().resolve("9"));
        Files.createSymbolicLink(proc().resolve("9/net"), proc().resolve("1/net"));
        SandboxReader r = new SandboxReader(proc().toString());
        r.read(9, Set.of());
        assertEquals(List.of("net"), r.facts().hostNamespaces);
        assertTrue(r.facts().findings.contains(SandboxFinding.HOST_NET));
    }

    /**
     * A container whose {@code net/dev} is the host's (host network) or its own, with {@code mounts}: its
     * sandbox facts. Hardened otherwise (filter, no_new_privs, mapped uid), so only mounts and net find.
     */
    private SandboxFacts withNet(int pid, boolean hostNet, String mounts) throws IOException {
        host();
        write("1/net/dev", "lo eth0\n");
        status(pid, 2, "100000\t100000\t100000\t100000", "2", "1", pid + "\t1");
        write(pid + "/uid_map", "         0     100000      65536\n");
        write(pid + "/mountinfo", mounts);
        if (hostNet) {
            Files.createSymbolicLink(proc().resolve(pid + "/net"), proc().resolve("1/net"));
        } else {
            write(pid + "/net/dev", "lo\n");
        }
        SandboxReader r = new SandboxReader(proc().toString());
        assertEquals(SandboxReader.Result.OK, r.read(pid, Set.of()));
        return r.facts();
    }

    /** runc's /sys of a container without a network namespace (SandboxPostureIT's hostnet): the host's sysfs device. */
    private static final String RUNC_SYSFS_RO = "75 600 0:22 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n";

    @Test
    void theRuntimesReadOnlySysInTheHostNetworkIsNoHostPath() throws IOException {
        SandboxFacts f = withNet(31, true, HARDENED_MOUNTS + RUNC_SYSFS_RO);
        assertEquals(List.of("net"), f.hostNamespaces, f.toString());
        assertEquals(List.of(), f.sensitiveMounts, "the runtime's default for a host-network pod: " + f);
        assertEquals(EnumSet.of(SandboxFinding.HOST_NET), f.findings, "host_net says it all: " + f);
        assertFalse(f.hostMounts.stream().anyMatch(h -> h.dest().equals("/sys")), "its own sysfs, not a bind: " + f);
    }

    @Test
    void aReadWriteSysInTheHostNetworkIsStillWritable() throws IOException {
        SandboxFacts f = withNet(32, true, HARDENED_MOUNTS
            + "75 600 0:22 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n");
        assertEquals(List.of("/sys:/sys:rw"), f.sensitiveMounts, f.toString());
        assertEquals(EnumSet.of(SandboxFinding.HOST_NET, SandboxFinding.HOST_PATH_WRITABLE), f.findings, f.toString());
    }

    @Test
    void theHostsSysElsewhereOrWithoutTheHostNetworkIsStillMounted() throws IOException {
        // the host's /sys bound where the runtime puts none, in the host network: a choice, reported
        SandboxFacts elsewhere = withNet(33, true, HARDENED_MOUNTS
            + "76 600 0:22 / /host/sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n");
        assertEquals(List.of("/sys:/host/sys:ro"), elsewhere.sensitiveMounts, elsewhere.toString());
        assertTrue(elsewhere.findings.contains(SandboxFinding.HOST_PATH_MOUNTED), elsewhere.toString());
        // a network namespace of its own gets a sysfs of its own: the host's device at /sys is a bind of the host's
        SandboxFacts ownNet = withNet(34, false, HARDENED_MOUNTS + RUNC_SYSFS_RO);
        assertEquals(List.of(), ownNet.hostNamespaces, ownNet.toString());
        assertEquals(List.of("/sys:/sys:ro"), ownNet.sensitiveMounts, ownNet.toString());
        assertEquals(EnumSet.of(SandboxFinding.HOST_PATH_MOUNTED), ownNet.findings, ownNet.toString());
    }

    @Test
    void unconfinedLsmLabels() {
        assertTrue(SandboxFacts.isUnconfined("unconfined"));
        assertTrue(SandboxFacts.isUnconfined("system_u:system_r:spc_t:s0"));
        assertTrue(SandboxFacts.isUnconfined("unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023"));
        assertFalse(SandboxFacts.isUnconfined("docker-default (enforce)"));
        assertFalse(SandboxFacts.isUnconfined("system_u:system_r:container_t:s0:c1,c2"));
    }

    @Test
    void mountinfoEscapesAndRuntimeSocketDirectories() {
        List<SandboxReader.Mount> m = SandboxReader.parseMountinfo(
            "5 1 0:25 /containerd /run/x\\040y rw shared:1 - tmpfs tmpfs rw\n");
        assertEquals("/run/x y", m.get(0).point());
        assertTrue(SandboxReader.isRuntimeSocketPath("/var/run/docker.sock"));
        assertTrue(SandboxReader.isRuntimeSocketPath("/run/containerd"));
        assertFalse(SandboxReader.isRuntimeSocketPath("/run"), "/run is a sensitive dir of its own");
        assertFalse(SandboxReader.isRuntimeSocketPath("/run/user/1000"));
    }

    @Test
    void goneProcessIsVanished() {
        assertEquals(SandboxReader.Result.VANISHED, new SandboxReader(proc().toString()).read(123, Set.of()));
    }
}
