package dev.vigil.cli;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil run} started as root protects itself: it re-executes itself in place without any
 * capability, so no thread holds one and every thread has no_new_privs; started through
 * {@code setpriv} it needs no exec and no thread holds any either. Reads each thread's
 * /proc/PID/task/TID/status.
 */
class ProcessHardeningIT {
    @TempDir
    Path dir;

    private static void requireOrSkip(boolean available, String what) {
        Integration.requireOrSkip(available, what);
    }

    private AgentProcess start(List<String> launcher) throws Exception {
        return start(launcher, List.of());
    }

    private AgentProcess start(List<String> launcher, List<String> extraArgs) throws Exception {
        // As /run and /var/lib: the user the agent becomes passes through to its own directories.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Path config = Files.writeString(dir.resolve("config.yaml"), "state: {stateDir: " + dir.resolve("state") + "}\n");
        List<String> args = new ArrayList<>(List.of("--socket", sockDir.resolve("vigil.sock").toString(), "--config",
            config.toString(), "--no-default-rules", "--sensor", "off"));
        args.addAll(extraArgs);
        AgentProcess agent = AgentProcess.start(dir, launcher, List.of("-Xmx256m"), args);
        agent.awaitReady(Duration.ofSeconds(30));
        // Ready (the metrics server answers) comes before the in-process hardening's report: wait for it.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!agent.logs().contains("vigil running") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return agent;
    }

    private static String status(Path task, String key) throws IOException {
        for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith(key)) {
                return line.substring(key.length()).trim();
            }
        }
        throw new AssertionError(key + " not in " + task);
    }

    /** The uid {@code process.user}'s default gives: the vigil user's, else 65534. */
    private static int expectedUid() throws IOException {
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && f[0].equals("vigil")) {
                return Integer.parseInt(f[2]);
            }
        }
        return 65534;
    }

    /** [comm(tid) CapEff CapPrm NoNewPrivs Uid Gid] for every thread. */
    private static List<String[]> threads(long pid) throws IOException {
        List<String[]> out = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    out.add(new String[] {Files.readString(t.resolve("comm")).trim() + "(" + t.getFileName() + ")",
                        status(t, "CapEff:"), status(t, "CapPrm:"), status(t, "NoNewPrivs:"), status(t, "Uid:"),
                        status(t, "Gid:")});
                } catch (IOException e) {
                    // the thread ended while we looked
                }
            }
        }
        return out;
    }

    private static void stillWorks(AgentProcess agent, Path socket) throws Exception {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            c.write(ByteBuffer.wrap("{\"evt.type\":\"openat\",\"proc.pid\":1}\n".getBytes(StandardCharsets.UTF_8)));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (sample(agent.metrics(), "vigil_events_processed_total", "") < 1) {
            assertTrue(System.nanoTime() < deadline, "the hardened agent processes events");
            Thread.sleep(20);
        }
    }

    @Test
    void startedAsRootItReExecutesItselfAndNoThreadHoldsAnyCapability() throws Exception {
        requireOrSkip(Integration.isRoot(), "root");
        // A root-owned 0644 file as an alert file: uid 0 without capabilities could still write it (its owner).
        Path rootsFile = Files.writeString(dir.resolve("roots-file.log"), "root's\n");
        Files.setPosixFilePermissions(rootsFile, PosixFilePermissions.fromString("rw-r--r--"));
        Path rules = Files.writeString(dir.resolve("rules.yaml"), """
            - rule: Hardening test
              desc: every openat
              condition: evt.type = openat
              output: Hardening test (pid=%proc.pid)
              priority: WARNING
            """);
        try (AgentProcess agent = start(List.of(), List.of("--rules", rules.toString(), "--output", "stdout",
            "--output", "file:" + rootsFile))) {
            String logs = agent.logs();
            long pid = agent.process().pid();
            // The exec keeps the pid: the process the test started is the one that runs, capability-free.
            assertTrue(logs.contains("re-executing") && logs.contains("(pid " + pid + " stays"), logs);
            assertTrue(logs.contains("no_new_privs set in every thread"), logs);
            Matcher m = Pattern.compile("process hardening: .*; (\\d+) of (\\d+) threads").matcher(logs);
            assertTrue(m.find(), logs);
            assertEquals("0", m.group(1), "threads the agent itself found holding capabilities\n" + logs);
            List<String[]> threads = threads(pid);
            assertTrue(threads.size() > 10, "a JVM's threads");
            // Issue 16, finding 6: without capabilities uid 0 still owns every root-owned file.
            int uid = expectedUid();
            String uids = uid + "\t" + uid + "\t" + uid + "\t" + uid;
            for (String[] t : threads) {
                assertEquals(0, Long.parseUnsignedLong(t[1], 16), "CapEff of " + t[0]);
                assertEquals(0, Long.parseUnsignedLong(t[2], 16), "CapPrm of " + t[0]);
                assertEquals("1", t[3], "NoNewPrivs of " + t[0]);
                assertEquals(uids, t[4], "real, effective, saved and fs uid of " + t[0]);
                assertTrue(!t[5].startsWith("0\t"), "real gid of " + t[0] + ": " + t[5]);
            }
            assertEquals(uid, (Integer) Files.getAttribute(dir.resolve("state"), "unix:uid"), "its state directory");
            Path main = Path.of("/proc/" + pid + "/task/" + pid);
            for (String key : List.of("CapInh:", "CapBnd:", "CapAmb:")) {
                assertEquals(0, Long.parseUnsignedLong(status(main, key), 16), key + " of the main thread");
            }
            System.out.printf("started as root: re-executed in place (pid %d); %d threads, every CapEff, CapPrm and "
                + "CapBnd 0, NoNewPrivs 1, uid %d%n", pid, threads.size(), uid);
            stillWorks(agent, dir.resolve("run/vigil.sock"));
            // Issue 16, finding 6, by what the agent does: the alert reaches stdout, not the root-owned file.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!(Files.readString(agent.stdoutFile()).contains("Hardening test")
                && agent.logs().contains(rootsFile + " (Permission denied)"))) {
                assertTrue(System.nanoTime() < deadline, "the alert on stdout, the root-owned file refused:\n"
                    + agent.logs());
                Thread.sleep(50);
            }
            assertEquals("root's\n", Files.readString(rootsFile), "a root-owned 0644 file, unwritten");
            assertTrue(agent.logs().contains("cannot write the alert file " + rootsFile), "said at start:\n"
                + agent.logs());
            System.out.printf("writing the root-owned 0644 %s: refused (Permission denied), the file unchanged%n",
                rootsFile.getFileName());
        }
    }

    @Test
    void startedThroughSetprivNoThreadHoldsAnyCapability() throws Exception {
        requireOrSkip(Integration.isRoot(), "root");
        requireOrSkip(Integration.onPath("setpriv"), "setpriv (util-linux)");
        try (AgentProcess agent = start(List.of("setpriv", "--inh-caps=-all", "--ambient-caps=-all",
            "--bounding-set=-all", "--no-new-privs"))) {
            List<String[]> threads = threads(agent.process().pid());
            assertTrue(threads.size() > 10, "a JVM's threads");
            for (String[] t : threads) {
                assertEquals(0, Long.parseUnsignedLong(t[1], 16), "CapEff of " + t[0]);
                assertEquals(0, Long.parseUnsignedLong(t[2], 16), "CapPrm of " + t[0]);
                assertEquals("1", t[3], "NoNewPrivs of " + t[0]);
            }
            stillWorks(agent, dir.resolve("run/vigil.sock"));
            System.out.printf("under setpriv: %d threads, every CapEff and CapPrm 0, NoNewPrivs 1%n", threads.size());
        }
    }

    @Test
    void aSocketBesideItsConfigKeepsItUid0WithoutCapabilitiesAndRunning() throws Exception {
        requireOrSkip(Integration.isRoot(), "root");
        // As an operator writes it: socket, config and state in one root-owned 0755 directory, the state
        // directory left to uid 65534 by an earlier run. The user could not bind the socket there.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path state = Files.createDirectories(dir.resolve("state/spool"));
        for (Path p : List.of(dir.resolve("state"), state)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            Files.setAttribute(p, "unix:uid", 65534);
        }
        Path config = Files.writeString(dir.resolve("config.yaml"), "state: {stateDir: " + dir.resolve("state") + "}\n");
        Path socket = dir.resolve("vigil.sock");
        try (AgentProcess agent = AgentProcess.start(dir, List.of(), List.of("-Xmx256m"), List.of("--socket",
            socket.toString(), "--config", config.toString(), "--no-default-rules", "--sensor", "off"))) {
            agent.awaitReady(Duration.ofSeconds(30));
            stillWorks(agent, socket);
            String logs = agent.logs();
            assertTrue(logs.contains("cannot create the socket " + socket) && logs.contains("staying uid 0"), logs);
            for (String[] t : threads(agent.process().pid())) {
                assertEquals(0, Long.parseUnsignedLong(t[1], 16), "CapEff of " + t[0]);
                assertTrue(t[4].startsWith("0\t"), "uid of " + t[0] + ": " + t[4]);
            }
            assertEquals(0, (Integer) Files.getAttribute(dir.resolve("state/spool"), "unix:uid"),
                "the state directory is given to the uid the agent runs as");
        }
    }
}
