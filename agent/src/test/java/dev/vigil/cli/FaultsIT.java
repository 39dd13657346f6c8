package dev.vigil.cli;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults against a real {@code vigil run}: a broken rules file on SIGHUP, {@code kill -9} under load
 * with every alert in the spool, and a spool on a full file system.
 */
class FaultsIT {
    private static final Pattern UUID = Pattern.compile("\"uuid\":\"([^\"]+)\"");
    private static final String RULES = """
        - rule: Fault test
          desc: every execve of faulttest
          condition: evt.type = execve and proc.name = faulttest
          output: Fault test (pid=%proc.pid)
          priority: WARNING
          tags: [fault_test]
        - rule: Fault learner
          desc: learns one tuple per pid, so the baselines change under load
          condition: evt.type = execve and proc.name = faulttest
          output: Fault learner (pid=%proc.pid)
          priority: NOTICE
          baseline:
            key: [proc.pid]
            learn: 1h
        """;

    @TempDir
    Path dir;

    private Path socket() {
        return dir.resolve("run/vigil.sock");
    }

    /** A config with a private socket directory, an empty /proc and cgroup tree, and {@code extra}. */
    private Path config(String extra) throws IOException {
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(dir.resolve("proc"));
        Files.createDirectories(dir.resolve("cgroup"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + socket() + "\n"
            + "state:\n  stateDir: " + dir.resolve("state") + "\n  procRoot: " + dir.resolve("proc")
            + "\n  cgroupRoot: " + dir.resolve("cgroup") + "\n"
            + "rules:\n  watch: false\n" + extra);
        return cfg;
    }

    /**
     * A host process's exec: the learner learns it (a container that raised the Warning rule would be a
     * suspect, whose tuples alert instead of being learned), and no alert waits for a container's identity.
     */
    private static String event(long pid, String name) {
        return "{\"evt.type\":\"execve\",\"proc.pid\":" + pid + ",\"proc.name\":\"" + name
            + "\",\"container.id\":\"host\"}\n";
    }

    private static void send(Path socket, String lines) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer b = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private static String await(AgentProcess agent, Predicate<String> ok, Duration timeout, String what)
        throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String m = "";
        while (System.nanoTime() < deadline) {
            m = agent.metrics();
            if (ok.test(m)) {
                return m;
            }
            Thread.sleep(100);
        }
        throw new AssertionError(what + " not reached within " + timeout + ":\n" + grep(m, "vigil_") + "\n"
            + agent.logs());
    }

    private static String grep(String metrics, String prefix) {
        StringBuilder b = new StringBuilder();
        for (String l : metrics.split("\n")) {
            if (l.startsWith(prefix)) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    private static long countAlerts(Path stdout, String rule) throws IOException {
        return Files.readAllLines(stdout).stream().filter(l -> l.contains("\"rule\":\"" + rule + "\"")).count();
    }

    private static void signal(AgentProcess agent, String sig) throws Exception {
        Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(agent.process().pid())).inheritIO().start();
        assertEquals(0, k.waitFor());
    }

    /** Also started under nohup: an inherited "ignore SIGHUP" must not make the reload signal a no-op. */
    @ParameterizedTest(name = "launcher \"{0}\"")
    @ValueSource(strings = {"", "nohup"})
    void sighupWithABrokenRulesFileKeepsTheOldSet(String launcher) throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, RULES);
        Path cfg = config("");
        try (AgentProcess agent = AgentProcess.start(dir, launcher.isEmpty() ? List.of() : List.of(launcher),
            List.of("-Xmx128m"), List.of("--config", cfg.toString(), "--no-default-rules", "--rules", rules.toString()))) {
            agent.awaitReady(Duration.ofSeconds(30));
            String before = agent.metrics();
            double loaded = sample(before, "vigil_rules_loaded", "");
            assertEquals(2, loaded, grep(before, "vigil_rules"));

            Files.writeString(rules, "- rule: Broken\n  condition: evt.type = execve and (\n  output: x\n"
                + "  priority: WARNING\n  desc: d\n");
            signal(agent, "HUP");
            String after = await(agent, m -> sample(m, "vigil_rules_reload_total", "result=\"failure\"") == 1,
                Duration.ofSeconds(20), "reload failure counted");
            assertEquals(0, sample(after, "vigil_rules_reload_total", "result=\"success\""));
            assertEquals(loaded, sample(after, "vigil_rules_loaded", ""), "the old set stays loaded");

            send(socket(), event(4242, "faulttest"));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (countAlerts(agent.stdoutFile(), "Fault test") == 0 && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1, countAlerts(agent.stdoutFile(), "Fault test"), "the old rule still alerts");
            assertTrue(agent.logs().contains("rules.yaml"), "the log names the broken file:\n" + agent.logs());
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
        }
    }

    /** An octet-counted syslog receiver (RFC 6587) collecting the alerts' uuids. */
    private static final class SyslogReceiver implements AutoCloseable {
        final ServerSocket server;
        final Set<String> uuids = ConcurrentHashMap.newKeySet();
        final AtomicLong frames = new AtomicLong();
        final Thread thread;

        SyslogReceiver(int port) throws IOException {
            server = new ServerSocket();
            server.setReuseAddress(true);
            server.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            thread = new Thread(this::accept, "syslog-receiver");
            thread.setDaemon(true);
            thread.start();
        }

        private void accept() {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread t = new Thread(() -> read(s), "syslog-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void read(Socket s) {
            try (s; InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16)) {
                while (true) {
                    int len = 0;
                    int c;
                    while ((c = in.read()) != ' ') {
                        if (c < 0) {
                            return;
                        }
                        len = len * 10 + (c - '0');
                    }
                    String msg = new String(in.readNBytes(len), StandardCharsets.UTF_8);
                    frames.incrementAndGet();
                    Matcher m = UUID.matcher(msg);
                    if (m.find()) {
                        uuids.add(m.group(1));
                    }
                }
            } catch (IOException e) {
                // the agent went away
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @Test
    void killMinus9UnderLoadLosesNoSpooledAlertAndNoStateFile() throws Exception {
        Path rules = dir.resolve("rules.yaml");
        Files.writeString(rules, RULES);
        int port = AgentProcess.freePort();
        // queueCapacity 1: with the destination down, every alert goes to the spool at once.
        Path cfg = config("alerts:\n  dedupPeriodSeconds: 0\n  rateLimitPerSecond: 0\n"
            + "outputs:\n  - type: syslog\n    name: siem\n    url: syslog+tcp://127.0.0.1:" + port
            + "\n    queueCapacity: 1\n    maxBackoffMillis: 500\n");
        List<String> args = List.of("--config", cfg.toString(), "--no-default-rules", "--rules", rules.toString());
        Path baselines = dir.resolve("state/baselines/baselines.json");

        // 1. Learn a few tuples and stop cleanly: the baselines file exists with its checksum.
        try (SyslogReceiver r = new SyslogReceiver(port);
             AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx128m"), args)) {
            agent.awaitReady(Duration.ofSeconds(30));
            StringBuilder b = new StringBuilder();
            for (int i = 1; i <= 100; i++) {
                b.append(event(i, "faulttest"));
            }
            send(socket(), b.toString());
            await(agent, m -> sample(m, "vigil_output_sent_total", "output=\"siem\"") >= 100, Duration.ofSeconds(20),
                "100 alerts sent");
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
        }
        assertTrue(Files.isRegularFile(baselines), "baselines saved on SIGTERM");
        long baselineBytes = Files.size(baselines);

        // 2. Destination down, events streaming, kill -9 at a random moment.
        long maxKillMillis = Long.getLong("vigil.faults.killAfterMaxMillis", 4_000);
        long killAfter = ThreadLocalRandom.current().nextLong(1_000, maxKillMillis + 1);
        double spooledBeforeKill;
        double raisedBeforeKill;
        AtomicLong sentEvents = new AtomicLong();
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx128m"), args)) {
            agent.awaitReady(Duration.ofSeconds(30));
            AtomicBoolean stop = new AtomicBoolean();
            Thread producer = new Thread(() -> {
                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    c.connect(UnixDomainSocketAddress.of(socket()));
                    long pid = 1_000_000;
                    while (!stop.get()) {
                        StringBuilder b = new StringBuilder();
                        for (int i = 0; i < 100; i++) {
                            b.append(event(pid++, "faulttest"));
                        }
                        ByteBuffer buf = ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8));
                        while (buf.hasRemaining()) {
                            c.write(buf);
                        }
                        sentEvents.addAndGet(100);
                    }
                } catch (IOException e) {
                    // killed
                }
            });
            producer.start();
            Thread.sleep(killAfter);
            String m = agent.metrics();
            spooledBeforeKill = sample(m, "vigil_output_spooled", "output=\"siem\"");
            raisedBeforeKill = sample(m, "vigil_alerts_total", "priority=\"Warning\",rule=\"Fault test\"");
            agent.process().destroyForcibly();
            agent.process().waitFor();
            stop.set(true);
            producer.join(10_000);
            System.out.printf("FaultsIT kill -9 after %d ms: %d events sent, %.0f alerts raised, %.0f spooled%n",
                killAfter, sentEvents.get(), raisedBeforeKill, spooledBeforeKill);
            assertTrue(spooledBeforeKill > 1000, "load spooled alerts before the kill:\n" + grep(m, "vigil_"));
        }

        // 3. Restart on the same state directory with the destination up: the spool is delivered.
        try (SyslogReceiver r = new SyslogReceiver(port);
             AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx128m"), args)) {
            agent.awaitReady(Duration.ofSeconds(30));
            String m = await(agent, x -> sample(x, "vigil_output_spooled", "output=\"siem\"") == 0
                && r.uuids.size() >= spooledBeforeKill, Duration.ofSeconds(40), "spool delivered");
            System.out.printf("FaultsIT after restart: %d unique alerts (%d frames) delivered, %.0f corrupt records,"
                    + " baselines %d -> %d bytes%n", r.uuids.size(), r.frames.get(),
                sample(m, "vigil_output_spool_corrupt_total", "output=\"siem\""), baselineBytes, Files.size(baselines));
            assertTrue(r.uuids.size() >= spooledBeforeKill, r.uuids.size() + " delivered < " + spooledBeforeKill
                + " spooled before the kill");
            assertTrue(r.uuids.size() <= raisedBeforeKill + 200 + sentEvents.get(), "no invented alerts");
            assertEquals(0, sample(m, "vigil_rules_baseline_load_failed_total", ""), "baselines load:\n"
                + agent.logs());
            assertTrue(Files.isRegularFile(baselines));
            assertTrue(!Files.exists(baselines.resolveSibling("baselines.json.corrupt")));
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
        }
    }

    @Test
    void aFullDiskForTheSpoolIsCountedNotACrash() throws Exception {
        boolean root = Integration.isRoot();
        Integration.requireOrSkip(root, "root (to mount a 256 KiB tmpfs for the spool)");
        Path spoolFs = Files.createDirectories(dir.resolve("spoolfs"));
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs",
            spoolFs.toString()).inheritIO().start();
        Integration.requireOrSkip(mount.waitFor() == 0, "mount -t tmpfs (a tmpfs for the spool)");
        try {
            Path rules = dir.resolve("rules.yaml");
            Files.writeString(rules, RULES);
            int port = AgentProcess.freePort();
            Path cfg = config("alerts:\n  dedupPeriodSeconds: 0\n  rateLimitPerSecond: 0\n  spoolDir: " + spoolFs
                + "\noutputs:\n  - type: syslog\n    name: siem\n    url: syslog+tcp://127.0.0.1:" + port
                + "\n    queueCapacity: 100\n");
            try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx128m"), List.of("--config",
                cfg.toString(), "--no-default-rules", "--rules", rules.toString()))) {
                agent.awaitReady(Duration.ofSeconds(30));
                int events = 5_000; // ~2 MB of alerts against 256 KiB
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= events; i++) {
                    b.append(event(i, "faulttest"));
                }
                send(socket(), b.toString());
                String m = await(agent, x -> sample(x, "vigil_events_processed_total", "") == events,
                    Duration.ofSeconds(30), "every event processed");
                Thread.sleep(2_000); // the delivery thread's retries move the memory queue to the spool
                m = agent.metrics();
                double failed = sample(m, "vigil_output_failed_total", "output=\"siem\",reason=\"spool_full\"");
                double spooled = sample(m, "vigil_output_spooled", "output=\"siem\"");
                double queued = sample(m, "vigil_output_queued", "output=\"siem\"");
                double raised = sample(m, "vigil_alerts_total", "priority=\"Warning\",rule=\"Fault test\"");
                System.out.printf("FaultsIT full spool: %.0f alerts raised, %.0f spooled, %.0f queued, %.0f spool_full%n",
                    raised, spooled, queued, failed);
                assertTrue(agent.process().isAlive(), agent.logs());
                assertEquals(events, raised);
                assertTrue(failed > 0, "spool_full counted:\n" + grep(m, "vigil_output"));
                assertTrue(spooled > 0, "the spool holds what fitted");
                assertEquals(events, spooled + queued + failed, 2, "every alert spooled, queued or counted failed:\n"
                    + grep(m, "vigil_output"));
                assertEquals(200, agent.get("/healthz").statusCode());

                // Still processing: more events are processed and alerted (counted), the agent alive.
                send(socket(), event(999_999, "faulttest"));
                await(agent, x -> sample(x, "vigil_events_processed_total", "") == events + 1,
                    Duration.ofSeconds(10), "one more event processed");
                assertEquals(0, sample(agent.metrics(), "vigil_pipeline_errors_total", ""));
                assertEquals(0, agent.terminate(Duration.ofSeconds(30)), "SIGTERM with a full spool still exits 0");
            }
        } finally {
            new ProcessBuilder("umount", "-l", spoolFs.toString()).inheritIO().start().waitFor();
        }
    }
}
