package dev.vigil.metrics;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.AgentProcess;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16, finding 3, against a real {@code vigil run}: thousands of idle TCP connections to the
 * metrics port. The agent's descriptors stay bounded by the HTTP cap, the event socket still accepts
 * a producer and processes its lines, and a fresh {@code /healthz} is answered at once (the
 * connection waiting longest makes room). On the code before it, every connection held a
 * descriptor until the agent reached its limit.
 */
class MetricsPortExhaustionIT {
    private static final int CONNECTIONS = Integer.getInteger("vigil.metricsIdle.connections", 5000);

    @TempDir
    Path dir;

    @Test
    void idleConnectionsToTheMetricsPortStarveNeitherTheEventSocketNorHealthz() throws Exception {
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Path socket = sockDir.resolve("vigil.sock");
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + socket + "\n");
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
            List.of("--config", cfg.toString(), "--no-default-rules", "--sensor", "off"))) {
            agent.awaitReady(Duration.ofSeconds(30));
            long pid = agent.process().pid();
            int fdsBefore = openFds(pid);
            List<SocketChannel> idle = new ArrayList<>();
            int peakFds = 0;
            try {
                for (int i = 0; i < CONNECTIONS; i++) {
                    SocketChannel c = SocketChannel.open();
                    c.connect(new InetSocketAddress("127.0.0.1", agent.metricsPort()));
                    idle.add(c); // connected, never a byte
                    if (i % 500 == 499) {
                        peakFds = Math.max(peakFds, openFds(pid));
                    }
                }
                Thread.sleep(200); // let the agent's accept loop catch up with the last ones
                peakFds = Math.max(peakFds, openFds(pid));

                // The event socket accepts and its lines are processed.
                int lines = 10_000;
                try (SocketChannel producer = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    producer.connect(UnixDomainSocketAddress.of(socket));
                    StringBuilder sb = new StringBuilder();
                    for (int i = 0; i < lines; i++) {
                        sb.append("{\"evt.type\":\"openat\",\"proc.pid\":7,\"container.id\":\"host\"}\n");
                    }
                    ByteBuffer b = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                    while (b.hasRemaining()) {
                        producer.write(b);
                    }
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                // A fresh connection for /healthz and every scrape: each takes the place of an idle one.
                assertEquals(200, agent.get("/healthz").statusCode(), "healthz from a fresh connection");
                while (sample(agent.metrics(), "vigil_events_processed_total", "") < lines) {
                    assertTrue(System.nanoTime() < deadline, "the producer's lines were not processed");
                    Thread.sleep(50);
                }
                String m = agent.metrics();
                assertEquals(lines, (long) sample(m, "vigil_events_processed_total", ""));
                double replaced = sample(m, "vigil_metrics_connections_rejected_total", "reason=\"replaced_idle\"");
                assertTrue(replaced >= CONNECTIONS - MetricsServer.MAX_CONNECTIONS, "replaced " + replaced);
                // The cap, the one just accepted, the event socket's, what the agent held before, and room for its own files.
                assertTrue(peakFds <= fdsBefore + MetricsServer.MAX_CONNECTIONS + 64,
                    "the agent held " + peakFds + " descriptors (" + fdsBefore + " before)");
                System.out.printf("metrics port: %d idle connections; agent descriptors %d before, at most %d during"
                        + " (cap %d); %.0f replaced_idle; %d lines processed; /healthz 200%n",
                    CONNECTIONS, fdsBefore, peakFds, MetricsServer.MAX_CONNECTIONS, replaced, lines);
            } finally {
                for (SocketChannel c : idle) {
                    c.close();
                }
            }
        }
    }

    private static int openFds(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
            return (int) s.count();
        }
    }
}
