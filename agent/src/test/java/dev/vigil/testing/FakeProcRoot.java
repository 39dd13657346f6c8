package dev.vigil.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A fake {@code /proc} and cgroup tree in a temporary directory, for tests of the state stage and
 * the posture scanner: {@code proc/PID/{status,cgroup,cmdline}}, {@code proc/sys/kernel/cap_last_cap},
 * and {@code cgroup/pids/<path>/{pids.max,pids.events}} (cgroup v1 layout) or {@code cgroup/<path>/…} (v2).
 */
public final class FakeProcRoot {
    public static final String DOCKER_ID_A = "3f1c0a9e2b7d4c6e8a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6071";
    public static final String DOCKER_ID_B = "9b2e4c6a8d0f1e3c5a7b9d1f3e5c7a9b1d3f5e7c9a1b3d5f7e9c1a3b5d7f9e1c";

    private final Path proc;
    private final Path cgroup;

    public FakeProcRoot(Path base) {
        this.proc = base.resolve("proc");
        this.cgroup = base.resolve("cgroup");
        write(proc.resolve("sys/kernel/cap_last_cap"), "40\n");
    }

    public String procRoot() {
        return proc.toString();
    }

    public String cgroupRoot() {
        return cgroup.toString();
    }

    /** A process in the given cgroup path (e.g. {@code /docker/<id>} or {@code /} for the host), v1 layout. */
    public FakeProcRoot process(int pid, int ppid, String name, long capEff, String cgroupPath, String... argv) {
        Path dir = proc.resolve(Integer.toString(pid));
        String caps = String.format("%016x", capEff);
        write(dir.resolve("status"), "Name:\t" + name + "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + pid
            + "\nPid:\t" + pid + "\nPPid:\t" + ppid + "\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
            + "CapInh:\t0000000000000000\nCapPrm:\t" + caps + "\nCapEff:\t" + caps
            + "\nCapBnd:\t" + caps + "\nCapAmb:\t0000000000000000\n");
        write(dir.resolve("cgroup"), "12:pids:" + cgroupPath + "\n4:memory:" + cgroupPath + "\n1:name=systemd:"
            + cgroupPath + "\n0::/\n");
        write(dir.resolve("cmdline"), String.join("\0", argv) + "\0");
        return this;
    }

    public FakeProcRoot removeProcess(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        for (String f : new String[] {"status", "cgroup", "cmdline"}) {
            try {
                Files.deleteIfExists(dir.resolve(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    /** Any other file under the proc root, e.g. {@code 10/mountinfo}. */
    public FakeProcRoot procFile(String relative, String content) {
        write(proc.resolve(relative), content);
        return this;
    }

    /** pids.max of a v1 pids cgroup path: a number, or {@code max}. */
    public FakeProcRoot pidsMax(String cgroupPath, String max) {
        write(pidsDir(cgroupPath).resolve("pids.max"), max + "\n");
        return this;
    }

    public FakeProcRoot pidsEvents(String cgroupPath, long maxCount) {
        write(pidsDir(cgroupPath).resolve("pids.events"), "max " + maxCount + "\n");
        return this;
    }

    private Path pidsDir(String cgroupPath) {
        return cgroup.resolve("pids").resolve(cgroupPath.substring(1));
    }

    private static void write(Path p, String content) {
        try {
            Files.createDirectories(p.getParent());
            Files.writeString(p, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
