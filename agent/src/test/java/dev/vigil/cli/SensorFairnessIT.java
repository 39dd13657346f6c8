package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import dev.vigil.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fairness at the kernel ring (issue 19): container A storms raw sockets (one storm process per CPU,
 * four times over) while its neighbour B opens packet sockets, through {@code vigil run --sensor on}
 * with the smallest ring ({@code sensor.ringMb: 1}) and the default per-cgroup budget. Every one of B's
 * packet sockets is alerted, during A's storm, and one "Sensor throttled a container" alert names A.
 * Without the budget ({@code sensor.cgroupRate: 0}) the storm fills the ring and B's events are lost
 * with A's (sensor/bench/fairness.sh shows both runs).
 */
class SensorFairnessIT {
    private static final int B_OPENS = 20;
    private static final int STORM_SECONDS = 14;

    @TempDir
    Path dir;

    private Process container(String id, String script) throws Exception {
        return new ProcessBuilder(Repo.root().resolve("sensor/test/oci-container.sh").toString(), "--id", id,
            "--tmpfs", "/tmp", "--", "sh", "-c", script).redirectErrorStream(true)
            .redirectOutput(dir.resolve("container-" + id.substring(0, 12) + ".log").toFile()).start();
    }

    @Test
    void aNeighboursAttackIsAlertedDuringAStormAndTheStormIsNamed() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF and runc)");
        Integration.requireSensorBuildOrSkip();
        Integration.requireOrSkip(Integration.onPath("runc"), "runc (apt-get install runc)");
        Integration.requireOrSkip(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");

        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        // Dedup off: each of B's packet sockets is its own alert, so that a lost one shows.
        Files.writeString(cfg, "ingest:\n  socket: " + run.resolve("vigil.sock") + "\nstate:\n  stateDir: "
            + dir.resolve("state") + "\nalerts:\n  dedupPeriodSeconds: 0\nsensor:\n  ringMb: 1\n");
        String a = SensorEndToEndIT.randomId(), b = SensorEndToEndIT.randomId();
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
            List.of("--config", cfg.toString(), "--sensor", "on"))) {
            agent.awaitReady(Duration.ofSeconds(120)); // the first start builds the sensor
            agent.awaitSensorRunning(Duration.ofSeconds(120));
            assertTrue(sensorArgs(agent).contains("--ring-mb 1"),
                "the sensor runs with sensor.ringMb: " + sensorArgs(agent));

            StringBuilder storms = new StringBuilder();
            for (int i = 0; i < 4 * Runtime.getRuntime().availableProcessors(); i++) {
                storms.append("storm socket ").append(STORM_SECONDS).append(" >>/tmp/storm.out & ");
            }
            Process stormA = container(a, storms + "wait; cat /tmp/storm.out");
            Thread.sleep(3_000); // the storm is under way
            Process attackB = container(b, "i=0; while [ $i -lt " + B_OPENS + " ]; do afpacket; i=$((i + 1)); "
                + "sleep 0.05; done");
            assertTrue(attackB.waitFor(60, TimeUnit.SECONDS), "container B did not finish");
            assertTrue(stormA.isAlive(), "B's attack ran during A's storm (A had ended)");
            assertTrue(stormA.waitFor(60, TimeUnit.SECONDS), "container A did not finish");

            List<JsonNode> alerts = List.of();
            long bAlerts = 0;
            boolean throttleAlert = false;
            double throttled = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && (bAlerts < B_OPENS || !throttleAlert || throttled == 0)) {
                Thread.sleep(500);
                alerts = agent.alerts();
                bAlerts = alerts.stream().filter(x -> x.path("rule").asText().equals("Packet socket in container")
                    && cid(x).equals(b.substring(0, 12))).count();
                throttleAlert = alerts.stream().anyMatch(x -> x.path("rule").asText().equals("Sensor throttled a container")
                    && cid(x).equals(a.substring(0, 12)));
                throttled = AgentProcess.sample(agent.metrics(), "vigil_sensor_throttled_events_total",
                    "reason=\"security_budget\"");
            }
            String metrics = agent.metrics();
            System.out.printf("B's packet sockets alerted %d of %d; A throttled (security budget) %.0f; sensor lost "
                    + "(ring full) %.0f; throttle alerts %d%n", bAlerts, B_OPENS, throttled,
                AgentProcess.sample(metrics, "vigil_sensor_lost_events_total", ""),
                alerts.stream().filter(x -> x.path("rule").asText().equals("Sensor throttled a container")).count());
            assertEquals(B_OPENS, bAlerts, "every packet socket of B is alerted:\n" + agent.logs());
            assertTrue(throttleAlert, "a throttle alert names A (" + a.substring(0, 12) + "): " + alerts.stream()
                .filter(x -> x.path("rule").asText().startsWith("Sensor")).toList());
            assertTrue(throttled > 0, "what was throttled is counted by reason");
            assertEquals(1, alerts.stream().filter(x -> x.path("rule").asText().equals("Sensor throttled a container"))
                .count(), "one throttle alert for the one episode");
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
        }
    }

    private static String cid(JsonNode alert) {
        return alert.path("output_fields").path("container.id").asText();
    }

    /** The command line of the sensor the agent started. */
    private static String sensorArgs(AgentProcess agent) {
        List<String> out = new ArrayList<>();
        agent.process().descendants().forEach(h -> h.info().commandLine().ifPresent(out::add));
        return String.join("\n", out.stream().filter(c -> c.contains("vigil-sensor")).toList());
    }
}
