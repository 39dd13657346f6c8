package dev.vigil.cli;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.ingest.RejectReason;
import dev.vigil.testing.AgentProcess;
import java.io.IOException;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fork bomb's event storm in one container (clone refused with EAGAIN, at full speed over two
 * connections) while two other containers are attacked over a third connection, under the
 * {@code drop} policy with a 1024-slot ring and the default rules: the other attacks are alerted,
 * the storm folds into a handful of alerts, and every line is accounted for, drops included.
 */
class FloodIT {
    private static final int STORM_LINES_PER_CONNECTION =
        Integer.getInteger("vigil.flood.linesPerConnection", 300_000);

    @TempDir
    Path dir;

    private static byte[] storm(int lines, int firstPid) {
        StringBuilder b = new StringBuilder(lines * 110);
        for (int i = 0; i < lines; i++) {
            b.append("{\"evt.type\":\"clone\",\"evt.res\":-11,\"proc.pid\":").append(firstPid + (i % 4000))
                .append(",\"proc.name\":\"bomb\",\"container.id\":\"f0f0f0f0f0f0\"}\n");
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void write(SocketChannel c, byte[] data) throws IOException {
        for (int off = 0; off < data.length; off += 65536) {
            ByteBuffer b = ByteBuffer.wrap(data, off, Math.min(65536, data.length - off));
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    private static SocketChannel connect(Path socket) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(socket));
        return c;
    }

    private static long count(List<String> lines, String rule) {
        return lines.stream().filter(l -> l.contains("\"rule\":\"" + rule + "\"")).count();
    }

    @Test
    void aForkBombStormDoesNotBlindTheAgentToOtherContainers() throws Exception {
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(dir.resolve("proc"));
        Files.createDirectories(dir.resolve("cgroup"));
        Path socket = sockDir.resolve("vigil.sock");
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + socket + "\n"
            + "pipeline:\n  ringSize: 1024\n  backpressure: drop\n"
            + "state:\n  stateDir: " + dir.resolve("state") + "\n  procRoot: " + dir.resolve("proc")
            + "\n  cgroupRoot: " + dir.resolve("cgroup") + "\n");
        byte[][] storms = {storm(STORM_LINES_PER_CONNECTION, 10_000), storm(STORM_LINES_PER_CONNECTION, 20_000)};
        byte[] attacks = ("{\"evt.type\":\"socket\",\"evt.res\":3,\"proc.pid\":7001,\"proc.name\":\"tcpdump\","
            + "\"container.id\":\"b0b0b0b0b0b0\",\"evt.arg.domain\":\"AF_PACKET\",\"evt.arg.type\":3}\n"
            + "{\"evt.type\":\"execve\",\"evt.res\":0,\"proc.pid\":7002,\"proc.name\":\"sh\","
            + "\"container.id\":\"c0c0c0c0c0c0\",\"thread.cap_effective\":\"0x0000003fffffffff\"}\n")
            .getBytes(StandardCharsets.UTF_8);
        long total = 2L * STORM_LINES_PER_CONNECTION + 2;

        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"), List.of("--config", cfg.toString()))) {
            agent.awaitReady(Duration.ofSeconds(30));
            CountDownLatch go = new CountDownLatch(1);
            AtomicLong written = new AtomicLong();
            Thread[] producers = new Thread[2];
            for (int i = 0; i < 2; i++) {
                byte[] data = storms[i];
                producers[i] = new Thread(() -> {
                    try (SocketChannel c = connect(socket)) {
                        go.await();
                        write(c, data);
                        written.addAndGet(data.length);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "storm-" + i);
                producers[i].start();
            }
            long start = System.nanoTime();
            try (SocketChannel attacker = connect(socket)) {
                go.countDown();
                // The middle of the storm: wait until the agent has taken a third of it.
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (sample(agent.metrics(), "vigil_events_received_total", "") < total / 3
                    && System.nanoTime() < deadline) {
                    Thread.sleep(5);
                }
                write(attacker, attacks);
            }
            for (Thread t : producers) {
                t.join(60_000);
            }
            double stormSeconds = (System.nanoTime() - start) / 1e9;

            String m = "";
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                m = agent.metrics();
                if (sample(m, "vigil_events_received_total", "") == total && accounted(m) == total) {
                    break;
                }
                Thread.sleep(100);
            }
            double received = sample(m, "vigil_events_received_total", "");
            double processed = sample(m, "vigil_events_processed_total", "");
            double dropped = sample(m, "vigil_events_dropped_total", "");
            assertEquals(total, received, "every line received");
            assertEquals(received, accounted(m), "received = processed + rejected + dropped");

            // Health is sampled once a second: wait (bounded, well within metrics.stallSeconds of the
            // drops) for a sample that saw them.
            deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            int healthz = agent.get("/healthz").statusCode();
            while (healthz != 503 && System.nanoTime() < deadline) {
                Thread.sleep(100);
                healthz = agent.get("/healthz").statusCode();
            }
            // The alerts reach stdout through the output's delivery thread, after the events were
            // processed: wait for them (a fixed pause was too short on a loaded machine).
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!alertsWritten(agent.stdoutFile()) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<String> alerts = Files.readAllLines(agent.stdoutFile());
            long forkAlerts = count(alerts, "Fork refused at pids limit in container");
            long packet = count(alerts, "Packet socket in container");
            long privileged = count(alerts, "Privileged container process");
            System.out.printf("FloodIT: %d lines in %.2f s (%.0f lines/s offered), %.0f processed, %.0f dropped"
                    + " (%.1f %%), %d fork-bomb alerts, packet socket %d, privileged %d, %d alerts in all%n",
                total, stormSeconds, total / stormSeconds, processed, dropped, 100 * dropped / total, forkAlerts,
                packet, privileged, alerts.size());
            assertTrue(dropped > 0, "a 1024-slot ring under the drop policy drops in a storm: counted");
            assertEquals(1, packet, "the AF_PACKET socket in container B is alerted:\n" + String.join("\n", alerts));
            assertEquals(1, privileged, "the privileged execve in container C is alerted");
            assertTrue(forkAlerts >= 1 && forkAlerts <= 10, "the storm folds to a handful: " + forkAlerts);
            double forkRaised = sample(m, "vigil_alerts_total",
                "priority=\"Critical\",rule=\"Fork refused at pids limit in container\"");
            assertTrue(forkRaised <= 10, "aggregation, not one alert per clone: " + forkRaised);
            assertTrue(healthz == 503,
                "drops within metrics.stallSeconds make /healthz fail: the agent does not go blind silently");
        }
    }

    /** The alerts the test expects are all on stdout (their counts are asserted after). */
    private static boolean alertsWritten(Path stdout) throws IOException {
        List<String> alerts = Files.readAllLines(stdout);
        return count(alerts, "Packet socket in container") >= 1 && count(alerts, "Privileged container process") >= 1
            && count(alerts, "Fork refused at pids limit in container") >= 1;
    }

    private static double accounted(String m) {
        double a = sample(m, "vigil_events_processed_total", "") + sample(m, "vigil_events_dropped_total", "");
        for (RejectReason r : RejectReason.values()) {
            a += sample(m, "vigil_events_rejected_total", "reason=\"" + r.label() + "\"");
        }
        return a;
    }
}
