package dev.vigil.cli;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.ingest.RejectReason;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.LineMix;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance for the spine: a real {@code vigil run}, several real producers over the real socket,
 * a few hundred thousand lines with every kind of bad line mixed in; the counters on /metrics must
 * add up exactly, and {@code vigil replay} of the same bytes must give the same counts.
 */
class AgentAccountingIT {
    private static final int LINES = 300_000;
    private static final int MAX_LINE = 4096;

    @TempDir
    Path dir;

    private Path config(String extra) throws IOException {
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + sockDir.resolve("vigil.sock") + "\n  maxLineBytes: " + MAX_LINE
            + "\n" + extra + (extra.contains("state:") ? "" : "state:\n  stateDir: " + dir.resolve("state") + "\n"));
        return cfg;
    }

    private static void send(Path socket, byte[] data) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            for (int off = 0; off < data.length; off += 65536) {
                ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(65536, data.length - off));
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
        }
    }

    private static void sendConcurrently(Path socket, byte[][] parts) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(parts.length);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (byte[] part : parts) {
                done.add(pool.submit(() -> {
                    send(socket, part);
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
    }

    /** Waits until every received line is accounted for, then returns the scrape. */
    private static String awaitIdle(AgentProcess agent, long expectedReceived) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String m = "";
        while (System.nanoTime() < deadline) {
            m = agent.metrics();
            double received = sample(m, "vigil_events_received_total", "");
            double accounted = sample(m, "vigil_events_processed_total", "") + sample(m, "vigil_events_dropped_total", "");
            for (RejectReason r : RejectReason.values()) {
                accounted += sample(m, "vigil_events_rejected_total", "reason=\"" + r.label() + "\"");
            }
            if (received == expectedReceived && accounted == received) {
                return m;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not idle with all lines accounted for within 60 s:\n" + m);
    }

    @Test
    void everyLineIsAccountedForExactlyUnderTheBlockPolicy() throws Exception {
        LineMix mix = LineMix.generate(LINES, 42, MAX_LINE);
        Path cfg = config("");
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"), List.of("--config", cfg.toString(),
            "--no-default-rules"))) {
            agent.awaitReady(Duration.ofSeconds(30));
            sendConcurrently(dir.resolve("run/vigil.sock"), mix.split(4));
            String m = awaitIdle(agent, mix.lines);
            assertEquals(mix.valid, (long) sample(m, "vigil_events_processed_total", ""));
            for (RejectReason r : RejectReason.values()) {
                assertEquals((long) mix.rejected.get(r),
                    (long) sample(m, "vigil_events_rejected_total", "reason=\"" + r.label() + "\""), r.label());
                assertTrue(mix.rejected.get(r) > 0, "the mix holds some " + r.label());
            }
            assertEquals(0, (long) sample(m, "vigil_events_dropped_total", ""));
            assertEquals(200, agent.get("/healthz").statusCode());
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)), "SIGTERM drains and exits 0");
        }

        // The same bytes through vigil replay: the same counts in its summary.
        Path file = dir.resolve("events.jsonl");
        Files.write(file, mix.bytes);
        Process replay = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", AgentProcess.jar().toAbsolutePath().toString(), "replay", "--no-default-rules", "--config",
            cfg.toString(), file.toString())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(dir.resolve("replay.err").toFile()).start();
        assertEquals(0, replay.waitFor());
        List<String> errLines = Files.readAllLines(dir.resolve("replay.err"));
        JsonNode summary = new ObjectMapper().readTree(errLines.get(errLines.size() - 1));
        assertEquals(mix.lines, summary.get("received").asLong());
        assertEquals(mix.valid, summary.get("processed").asLong());
        assertEquals(0, summary.get("dropped").asLong());
        for (RejectReason r : RejectReason.values()) {
            assertEquals((long) mix.rejected.get(r), summary.get("rejected").get(r.label()).asLong(), r.label());
        }
    }

    @Test
    void aHundredMegabyteLineNeitherGrowsTheHeapNorStopsItsConnection() throws Exception {
        Path cfg = config("pipeline:\n  ringSize: 1024\nstate:\n  maxProcesses: 4096\n  stateDir: " + dir.resolve("state")
            + "\n");
        // 48 MiB of heap: an agent that buffered the line would die of it.
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx48m"), List.of("--config", cfg.toString(),
            "--no-default-rules"))) {
            agent.awaitReady(Duration.ofSeconds(30));
            double heapBefore = heapUsed(agent.metrics());
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(dir.resolve("run/vigil.sock")));
                byte[] chunk = new byte[1 << 20];
                java.util.Arrays.fill(chunk, (byte) 'x');
                chunk[0] = '{';
                for (int i = 0; i < 100; i++) {
                    ByteBuffer b = ByteBuffer.wrap(chunk);
                    while (b.hasRemaining()) {
                        c.write(b);
                    }
                    chunk[0] = 'x';
                }
                ByteBuffer next = ByteBuffer.wrap("\n{\"evt.type\":\"execve\",\"proc.pid\":1}\n"
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
                while (next.hasRemaining()) {
                    c.write(next);
                }
                String m = awaitIdle(agent, 2);
                assertEquals(1, (long) sample(m, "vigil_events_processed_total", ""), "the next line is processed");
                assertEquals(1, (long) sample(m, "vigil_events_rejected_total", "reason=\"too_long\""));
                double heapAfter = heapUsed(m);
                System.out.printf("heap used: %.1f MiB before, %.1f MiB after a 100 MiB line%n",
                    heapBefore / 1048576, heapAfter / 1048576);
                assertTrue(heapAfter < 48 * 1048576, "heap stays under its 48 MiB limit");
            }
            assertTrue(agent.process().isAlive());
        }
    }

    private static double heapUsed(String metrics) {
        double sum = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    @Test
    void underTheDropPolicyATinyRingDropsAndCountsEveryDrop() throws Exception {
        LineMix mix = LineMix.generate(LINES, 7, MAX_LINE);
        Path cfg = config("pipeline:\n  ringSize: 2\n  backpressure: drop\n  waitStrategy: blocking\n");
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"), List.of("--config", cfg.toString(),
            "--no-default-rules"))) {
            agent.awaitReady(Duration.ofSeconds(30));
            sendConcurrently(dir.resolve("run/vigil.sock"), mix.split(4));
            String m = awaitIdle(agent, mix.lines);
            long dropped = (long) sample(m, "vigil_events_dropped_total", "");
            assertTrue(dropped > 0, "a ring of 2 under 300k lines drops some");
            long rejected = 0;
            for (RejectReason r : RejectReason.values()) {
                rejected += (long) sample(m, "vigil_events_rejected_total", "reason=\"" + r.label() + "\"");
            }
            assertEquals(mix.lines, (long) sample(m, "vigil_events_processed_total", "") + rejected + dropped,
                "received = processed + rejected + dropped");
            // Health is sampled once a second: within a few seconds it must say events are being lost.
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            var health = agent.get("/healthz");
            while (health.statusCode() != 503 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                health = agent.get("/healthz");
            }
            assertEquals(503, health.statusCode(), "losing events makes /healthz fail");
            assertTrue(health.body().contains("losing events"), health.body());
        }
    }
}
