package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Who did it and where, on every alert of the shipped rules, through the real pipeline as {@code vigil
 * replay} runs it: the output names image and tag, pod and namespace; output_fields carry them, the
 * node and the configured cluster.
 */
class ReplayAlertIdentityTest {
    static final String PACKET_SOCKET = "{\"evt.type\":\"socket\",\"evt.rawtime\":1795000000000000000,\"proc.pid\":4242,"
        + "\"proc.name\":\"tcpdump\",\"container.id\":\"a1a1a1a1a1a1\",\"container.name\":\"web\","
        + "\"container.image.repository\":\"docker.io/library/app\",\"container.image.tag\":\"1.2\","
        + "\"k8s.pod.name\":\"web-1\",\"k8s.ns.name\":\"shop\",\"evt.arg.domain\":\"AF_PACKET\","
        + "\"evt.arg.type\":\"SOCK_RAW\",\"evt.arg.proto\":768,\"evt.res\":3}\n";

    @TempDir
    Path dir;

    JsonNode replayOne(String config) throws Exception {
        Path events = dir.resolve("e.jsonl");
        Files.writeString(events, PACKET_SOCKET);
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, config);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ReplayCommand replay = new ReplayCommand();
        replay.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = new CommandLine(replay).execute("--config", cfg.toString(), events.toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));
        String[] lines = out.toString(StandardCharsets.UTF_8).trim().split("\n");
        assertEquals(1, lines.length, out.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(lines[0]);
    }

    static String expectedNode() {
        String env = System.getenv("NODE_NAME");
        return env != null && !env.isBlank() ? env : "test-node";
    }

    @Test
    void shippedRuleAlertNamesWorkloadNodeAndCluster() throws Exception {
        JsonNode a = replayOne("hostname: test-node\nclusterName: prod-eu\n");
        assertEquals("Packet socket in container", a.path("rule").asText());
        String output = a.path("output").asText();
        assertTrue(output.contains("container=web id=a1a1a1a1a1a1 image=docker.io/library/app:1.2 pod=web-1 ns=shop)"),
            output);
        JsonNode f = a.path("output_fields");
        assertEquals("web", f.path("container.name").asText());
        assertEquals("docker.io/library/app", f.path("container.image.repository").asText());
        assertEquals("1.2", f.path("container.image.tag").asText());
        assertEquals("web-1", f.path("k8s.pod.name").asText());
        assertEquals("shop", f.path("k8s.ns.name").asText());
        assertEquals("a1a1a1a1a1a1", f.path("container.id").asText());
        assertEquals(expectedNode(), f.path("k8s.node.name").asText());
        assertEquals("prod-eu", f.path("k8s.cluster.name").asText());
        assertEquals("test-node", a.path("hostname").asText(), "Falco's top level as it was");
        assertFalse(a.has("k8s.cluster.name") || a.has("cluster"), "nothing added at the top level");
    }

    @Test
    void noClusterConfiguredNoClusterField() throws Exception {
        JsonNode f = replayOne("hostname: test-node\n").path("output_fields");
        assertFalse(f.has("k8s.cluster.name"), f.toString());
        assertEquals(expectedNode(), f.path("k8s.node.name").asText());
    }
}
