package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.ContainerEngine;
import dev.vigil.testing.DockerDaemon;
import dev.vigil.testing.Integration;
import dev.vigil.testing.PodmanService;
import dev.vigil.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who did it, for the Docker Engine and Podman, end to end: {@code vigil run --sensor on} (the real eBPF
 * sensor) with {@code runtime.sources} naming only that engine and its private API socket, then a
 * {@code docker run} / {@code podman run} container named {@code web} whose very first instruction opens a
 * packet socket. The alert must carry the container's 12-hex short id (which the sensor reads from the
 * engine's cgroupfs layout here: {@code /docker/<id>}, {@code /libpod_parent/libpod-<id>}), its name, image
 * repository and tag as the engine reports them, and no {@code <NA>} where the image goes; the engine's client
 * must be up on {@code /metrics}. One test per engine, so a report says which ran.
 */
class EngineIdentityEndToEndIT {
    private static final String RULE = "Packet socket in container";
    private static final String REPOSITORY = "registry.example/vigil/probe";
    private static final String TAG = "1.0";
    private static final String NAME = "web";

    @TempDir
    Path dir;

    @Test
    void aDockerRunContainerIsNamedFromItsFirstInstruction() throws Exception {
        requireSensor();
        String missing = DockerDaemon.unavailableReason();
        Integration.requireOrSkip(missing == null, String.valueOf(missing));
        Path afpacket = buildAfpacket();
        DockerDaemon docker = null;
        String failure = null;
        try {
            docker = DockerDaemon.start(List.of(afpacket));
        } catch (IOException e) {
            failure = e.getMessage();
        }
        Integration.requireOrSkip(failure == null, "a running dockerd on this kernel (" + failure + ")");
        try (ContainerEngine engine = docker) {
            attackIsNamed(engine, "dockerSocket");
        }
    }

    @Test
    void aPodmanRunContainerIsNamedFromItsFirstInstruction() throws Exception {
        requireSensor();
        String missing = PodmanService.unavailableReason();
        Integration.requireOrSkip(missing == null, String.valueOf(missing));
        Path afpacket = buildAfpacket();
        PodmanService podman = null;
        String failure = null;
        try {
            podman = PodmanService.start(List.of(afpacket));
        } catch (IOException e) {
            failure = e.getMessage();
        }
        Integration.requireOrSkip(failure == null, "a running podman API service on this kernel (" + failure + ")");
        try (ContainerEngine engine = podman) {
            attackIsNamed(engine, "podmanSocket");
        }
    }

    private void attackIsNamed(ContainerEngine engine, String socketKey) throws Exception {
        String runtime = engine.type();
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, String.join("\n",
            "ingest:",
            "  socket: " + run.resolve("vigil.sock"),
            "state:",
            "  stateDir: " + dir.resolve("state"),
            "runtime:",
            "  sources: [" + runtime + "]",
            "  " + socketKey + ": " + engine.socket(),
            ""));
        try (AgentProcess agent = startAgent(cfg)) {
            awaitRuntimeUp(agent, runtime);
            // NET_RAW explicitly: Podman's default capability set no longer has it, Docker's does.
            String id = engine.runCommand(NAME, List.of("--label", "tier=edge", "--cap-add", "NET_RAW"),
                "/bin/afpacket");
            assertTrue(id.matches("[0-9a-f]{64}"), runtime + " run printed a full id: " + id);
            String shortId = id.substring(0, 12);
            JsonNode alert = awaitAlert(agent, shortId);

            // What the engine itself says about the container.
            String[] known = engine.cli("inspect", "--format", "{{.Name}}|{{.Config.Image}}", id).strip().split("\\|");
            String knownName = known[0].startsWith("/") ? known[0].substring(1) : known[0];
            assertEquals(NAME, knownName, "the engine's name for the container");
            assertTrue(known[1].equals(REPOSITORY + ":" + TAG), "the engine's image reference: " + known[1]);

            JsonNode f = alert.path("output_fields");
            assertEquals(shortId, f.path("container.id").asText(), alert.toString());
            assertEquals(knownName, f.path("container.name").asText(), alert.toString());
            assertEquals(REPOSITORY, f.path("container.image.repository").asText(), alert.toString());
            assertEquals(TAG, f.path("container.image.tag").asText(), alert.toString());
            String output = alert.path("output").asText();
            assertTrue(output.contains("image=" + REPOSITORY + ":" + TAG), "the output names the image: " + output);
            assertTrue(output.contains("container=" + NAME + " id=" + shortId), "the output names the container: "
                + output);
            assertFalse(output.contains("image=<NA>") || output.contains(":<NA>"), "no <NA> for the image: " + output);

            String metrics = agent.metrics();
            assertEquals(1.0, AgentProcess.sample(metrics, "vigil_runtime_up", "runtime=\"" + runtime + "\""),
                "the " + runtime + " client is up:\n" + metrics);
            // The name came from the engine (its event stream, or a lookup while the alert waited), not by chance.
            assertTrue(AgentProcess.sample(metrics, "vigil_runtime_events_total", "runtime=\"" + runtime + "\"") >= 1.0,
                "the agent followed " + runtime + "'s events:\n" + metrics);
            assertEquals(0.0, AgentProcess.sample(metrics, "vigil_state_identity_total", "result=\"unresolved\""),
                "no alert went out unnamed:\n" + metrics);
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)), agent.logs());
            String logs = agent.logs();
            assertFalse(logs.contains("Exception"), "no exception in the agent's log:\n" + logs);
        }
    }

    private static void requireSensor() {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF, a private container engine)");
        Integration.requireSensorBuildOrSkip();
    }

    private static Path buildAfpacket() throws Exception {
        Process make = new ProcessBuilder("make", "-s", "-C", Repo.root().resolve("sensor").toString(), "build/afpacket")
            .inheritIO().start();
        assertEquals(0, make.waitFor(), "make sensor/build/afpacket");
        return Repo.root().resolve("sensor/build/afpacket");
    }

    private AgentProcess startAgent(Path cfg) throws Exception {
        AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
            List.of("--config", cfg.toString(), "--sensor", "on"));
        try {
            agent.awaitReady(Duration.ofSeconds(120)); // the first start builds the sensor
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            // The sensor attaches its programs one by one after connecting: wait until it says it runs.
            while (!agent.logs().contains("vigil-sensor: running")) {
                assertTrue(System.nanoTime() < deadline, "the sensor never finished attaching:\n" + agent.logs());
                Thread.sleep(200);
            }
            return agent;
        } catch (Exception | AssertionError e) {
            agent.close();
            throw e;
        }
    }

    /** Waits until the agent's client for {@code runtime} says the engine answers (20 s at most). */
    private static void awaitRuntimeUp(AgentProcess agent, String runtime) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        String metrics = agent.metrics();
        while (AgentProcess.sample(metrics, "vigil_runtime_up", "runtime=\"" + runtime + "\"") != 1.0) {
            assertTrue(System.nanoTime() < deadline, "the " + runtime + " client never came up:\n" + metrics
                + "\nlogs:\n" + agent.logs());
            Thread.sleep(200);
            metrics = agent.metrics();
        }
    }

    /** Polls the agent's stdout until a packet-socket alert for {@code shortId} comes (30 s at most). */
    private static JsonNode awaitAlert(AgentProcess agent, String shortId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        List<JsonNode> alerts = List.of();
        while (System.nanoTime() < deadline) {
            alerts = readAlerts(agent.stdoutFile());
            for (JsonNode a : alerts) {
                if (a.path("rule").asText().equals(RULE)
                    && a.path("output_fields").path("container.id").asText().equals(shortId)) {
                    return a;
                }
            }
            Thread.sleep(300);
        }
        throw new AssertionError("no '" + RULE + "' alert for container " + shortId + " within 30 s: " + alerts
            + "\nlogs:\n" + agent.logs());
    }

    private static List<JsonNode> readAlerts(Path stdout) throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(stdout)) {
            if (!line.isBlank()) {
                out.add(json.readTree(line));
            }
        }
        return out;
    }
}
