package dev.vigil.cli;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.AgentProcess;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity wait in a real {@code vigil run} (no runtime: identity from the wire only): an alert
 * whose container names itself goes out at once, counted resolved; one whose container is unknown
 * waits (a wait far longer than the test) and SIGTERM releases it to the sink before exit, counted
 * unresolved, with its container id, node and cluster. Nothing is lost on shutdown.
 */
class IdentityWaitIT {
    // A pid no process has here, so the state stage keeps what the event carries.
    static final String UNKNOWN = "{\"evt.type\":\"socket\",\"proc.pid\":4190001,\"proc.name\":\"tcpdump\","
        + "\"container.id\":\"a1a1a1a1a1a1\",\"evt.arg.domain\":\"AF_PACKET\",\"evt.arg.type\":3,\"evt.res\":3}\n";
    static final String NAMED = "{\"evt.type\":\"socket\",\"proc.pid\":4190002,\"proc.name\":\"tcpdump\","
        + "\"container.id\":\"b2b2b2b2b2b2\",\"container.name\":\"web\",\"container.image.repository\":\"nginx\","
        + "\"k8s.ns.name\":\"shop\",\"evt.arg.domain\":\"AF_PACKET\",\"evt.arg.type\":3,\"evt.res\":3}\n";

    @TempDir
    Path dir;

    @Test
    void unresolvedAlertWaitsAndShutdownReleasesItToTheSink() throws Exception {
        Path sockDir = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Path socket = sockDir.resolve("vigil.sock");
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "hostname: it-node\nclusterName: it-cluster\ningest:\n  socket: " + socket
            + "\nstate:\n  stateDir: " + dir.resolve("state") + "\nalerts:\n  identityWaitMillis: 60000\n");
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx192m", "-ea"),
                List.of("--config", cfg.toString(), "--output", "stdout"))) {
            agent.awaitReady(Duration.ofSeconds(60));
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(UnixDomainSocketAddress.of(socket));
                ByteBuffer b = ByteBuffer.wrap((UNKNOWN + NAMED).getBytes(StandardCharsets.UTF_8));
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
            String m = await(agent, x -> sample(x, "vigil_state_identity_total", "result=\"resolved\"") == 1
                && sample(x, "vigil_alerts_identity_waiting", "") == 1);
            assertEquals(0, sample(m, "vigil_state_identity_total", "result=\"unresolved\""), m);
            List<JsonNode> before = awaitAlerts(agent, 1);
            assertEquals("b2b2b2b2b2b2", before.get(0).path("output_fields").path("container.id").asText(),
                "the named container's alert is not held behind the waiting one");

            assertEquals(0, agent.terminate(Duration.ofSeconds(60)), agent.logs());
            List<JsonNode> after = alerts(agent);
            assertEquals(2, after.size(), "released on SIGTERM, before the sinks flushed:\n" + after);
            JsonNode released = after.get(1).path("output_fields");
            assertEquals("a1a1a1a1a1a1", released.path("container.id").asText());
            assertTrue(released.path("container.image.repository").isNull(), "named by the rule, unknown: null, "
                + "never a placeholder: " + released);
            assertEquals("it-cluster", released.path("k8s.cluster.name").asText());
            assertFalse(released.path("k8s.node.name").asText().isEmpty(), released.toString());
            assertEquals("it-node", after.get(1).path("hostname").asText());
        }
    }

    private static String await(AgentProcess agent, Predicate<String> done) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String m = "";
        while (System.nanoTime() < deadline) {
            m = agent.metrics();
            if (done.test(m)) {
                return m;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("not reached within 30 s:\n" + m + "\n" + agent.logs());
    }

    private static List<JsonNode> awaitAlerts(AgentProcess agent, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<JsonNode> a = alerts(agent);
        while (a.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
            a = alerts(agent);
        }
        assertEquals(n, a.size(), a.toString());
        return a;
    }

    private static List<JsonNode> alerts(AgentProcess agent) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(agent.stdoutFile())) {
            if (line.startsWith("{")) {
                out.add(json.readTree(line));
            }
        }
        return out;
    }
}
