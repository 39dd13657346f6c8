package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import dev.vigil.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent restart must not blind the node (issue 16, finding 11). The sensor runs as its own process
 * (as in the DaemonSet, where it is a separate container and outlives the agent's restarts), the agent
 * with {@code --sensor off} on the same socket. While the agent is away (SIGTERM, then {@code kill -9},
 * as in a rolling update, a crash, an OOM kill) and the machine is busy (a busy loop per core plus a
 * host shell exec'ing all the time), real runc containers open packet sockets: after the agent is back,
 * each is alerted, with its own event time (inside the gap). With a small {@code --buffer-bytes} and a
 * fork storm in the gap, the attack made first is still alerted (the newest lines are the ones
 * dropped), and the rest is one "Sensor lost events" alert naming the gap: from, to, how many, why.
 */
class SensorGapIT {
    private static final String PACKET_RULE = "Packet socket in container";
    private static final String GAP_RULE = "Sensor lost events";

    @TempDir
    Path dir;
    private Path cfg;
    private Path socket;
    private Process sensor;
    private final List<Process> load = new ArrayList<>();

    @BeforeEach
    void requirements() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF and runc)");
        Integration.requireOrSkip(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
        Integration.requireOrSkip(Integration.onPath("runc"), "runc (apt-get install runc)");
        Integration.requireOrSkip(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Integration.requireOrSkip(Integration.onPath("clang") && Integration.onPath("bpftool"),
            "the sensor's toolchain (apt-get install clang libbpf-dev bpftool libelf-dev zlib1g-dev)");
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        socket = run.resolve("vigil.sock");
        cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + socket + "\nstate:\n  stateDir: " + dir.resolve("state") + "\n");
        // Builds the sensor, its helpers and the containers' rootfs (the first time only).
        Process make = new ProcessBuilder("make", "-s", "-C", Repo.root().resolve("sensor").toString(), "all", "rootfs")
            .redirectErrorStream(true).redirectOutput(dir.resolve("make.log").toFile()).start();
        assertTrue(make.waitFor(300, TimeUnit.SECONDS) && make.exitValue() == 0, "make -C sensor: " + Files.readString(dir.resolve("make.log")));
    }

    @AfterEach
    void stop() throws Exception {
        for (Process p : load) {
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (sensor != null && sensor.isAlive()) {
            sensor.destroy(); // SIGTERM: it prints its summary
            if (!sensor.waitFor(10, TimeUnit.SECONDS)) {
                sensor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void attacksWhileTheAgentRestartsAreAlertedAfterItIsBack() throws Exception {
        startSensor(List.of());
        AgentProcess first = startAgent();
        busyMachine();
        try (first) {
            // SIGTERM, as a rolling update does.
            assertEquals(0, first.terminate(Duration.ofSeconds(30)));
        }
        long gapStart = nowNanos();
        String afterTerm = randomId();
        container(afterTerm, List.of(), "afpacket", "--iface", "gap-term");
        Thread.sleep(1000);
        long gapEnd = nowNanos();
        List<JsonNode> alerts;
        try (AgentProcess second = startAgent()) {
            alerts = awaitAlerts(second, a -> isPacketAlert(a, afterTerm));
            figure("SIGTERM", gapStart, second);
            JsonNode a = alerts.stream().filter(x -> isPacketAlert(x, afterTerm)).findFirst().orElseThrow();
            assertEquals("afpacket --iface gap-term", a.path("output_fields").path("proc.cmdline").asText(), a.toString());
            assertEventTimeWithin(a, gapStart, gapEnd);

            // kill -9, as a crash or an OOM kill: no goodbye, the socket file stays behind.
            Process p = second.process();
            new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        }
        gapStart = nowNanos();
        String afterKill = randomId();
        container(afterKill, List.of(), "afpacket", "--iface", "gap-kill");
        Thread.sleep(1000);
        gapEnd = nowNanos();
        try (AgentProcess third = startAgent()) {
            alerts = awaitAlerts(third, a -> isPacketAlert(a, afterKill));
            figure("kill -9", gapStart, third);
            JsonNode a = alerts.stream().filter(x -> isPacketAlert(x, afterKill)).findFirst().orElseThrow();
            assertEventTimeWithin(a, gapStart, gapEnd);
            assertEquals(0, third.terminate(Duration.ofSeconds(30)));
            for (JsonNode x : alerts) {
                assertTrue(!x.path("rule").asText().equals(GAP_RULE)
                    || !x.path("output_fields").path("evt.arg.reason").asText().equals("agent_away_buffer_full"),
                    "a 64 MiB buffer holds a few seconds of this load: nothing lost: " + x);
            }
        }
        sensor.destroy();
        assertTrue(sensor.waitFor(10, TimeUnit.SECONDS));
        System.out.println("SensorGapIT: " + lastLine(Files.readString(dir.resolve("sensor.log"))));
    }

    /** For the notes: how long the node went without an agent, and what the agent processed since. */
    private static void figure(String how, long gapStart, AgentProcess agent) throws Exception {
        System.out.printf("SensorGapIT: after %s, attack alerted %.1f s after the agent went away; the new agent "
                + "processed %.0f lines; load average %s%n", how, (nowNanos() - gapStart) / 1e9,
            AgentProcess.sample(agent.metrics(), "vigil_events_processed_total", ""),
            Files.readString(Path.of("/proc/loadavg")).trim());
    }

    private static String lastLine(String log) {
        String[] lines = log.strip().split("\n");
        return lines[lines.length - 1];
    }

    @Test
    void pastTheBufferTheGapIsOneAlertNamingItAndTheFirstAttackIsKept() throws Exception {
        startSensor(List.of("--buffer-bytes", "1M"));
        AgentProcess first = startAgent();
        try (first) {
            assertEquals(0, first.terminate(Duration.ofSeconds(30)));
        }
        long gapStart = nowNanos();
        String early = randomId();
        container(early, List.of(), "afpacket", "--iface", "gap-early");
        // ~1.5 s of forks on the host: tens of MB of lines, far past 1 MiB.
        Process storm = new ProcessBuilder(Repo.root().resolve("sensor/build/storm").toString(), "fork", "1.5")
            .redirectErrorStream(true).redirectOutput(dir.resolve("storm.log").toFile()).start();
        assertTrue(storm.waitFor(60, TimeUnit.SECONDS));
        long gapEnd = nowNanos();
        try (AgentProcess second = startAgent()) {
            List<JsonNode> alerts = awaitAlerts(second, a -> a.path("rule").asText().equals(GAP_RULE));
            List<JsonNode> gaps = alerts.stream().filter(a -> a.path("rule").asText().equals(GAP_RULE)
                && a.path("output_fields").path("evt.arg.reason").asText().equals("agent_away_buffer_full")).toList();
            assertEquals(1, gaps.size(), "one alert for the one gap: " + alerts);
            JsonNode gap = gaps.get(0);
            JsonNode f = gap.path("output_fields");
            long from = f.path("evt.arg.first_time").asLong(), to = f.path("evt.arg.last_time").asLong();
            long lost = f.path("evt.arg.lost").asLong();
            assertTrue(lost > 1000, "the storm's lines were counted: " + gap);
            // The gap ends when the agent is back (its restart is part of it), and the report comes after.
            assertTrue(gapStart <= from && from <= gapEnd && from <= to && to <= timeNanos(gap),
                "from in the agent's absence [" + gapStart + ", " + gapEnd + "], to before the report: " + gap);
            assertEquals("Sensor lost events, the node was blind (lost=" + lost + " reason=agent_away_buffer_full from="
                + from + " to=" + to + ")", gap.path("output").asText());
            assertEquals("Warning", gap.path("priority").asText());
            assertTrue(gap.path("tags").toString().contains("\"sensor_gap\""), gap.toString());
            // The attack came first in the gap: kept and replayed, though the buffer overflowed after it.
            alerts = awaitAlerts(second, a -> isPacketAlert(a, early));
            JsonNode packet = alerts.stream().filter(a -> isPacketAlert(a, early)).findFirst().orElseThrow();
            assertTrue(gapStart <= timeNanos(packet) && timeNanos(packet) < from,
                "the kept attack is older than the lost lines: " + packet + " " + gap);
            System.out.println("SensorGapIT: " + gap.path("output").asText() + ", gap " + (to - from) / 1e9
                + " s; the attack before it alerted at its own time");
            assertEquals(0, second.terminate(Duration.ofSeconds(30)));
        }
        sensor.destroy();
        assertTrue(sensor.waitFor(10, TimeUnit.SECONDS));
        String summary = Files.readString(dir.resolve("sensor.log"));
        System.out.println("SensorGapIT: " + lastLine(summary));
        assertTrue(summary.matches("(?s).*stopping: \\d+ events delivered \\(\\d+ of them replayed.*lost \\(agent away, buffer full\\).*"),
            summary);
    }

    private void startSensor(List<String> options) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Repo.root().resolve("sensor/build/vigil-sensor").toString(),
            "--socket", socket.toString()));
        cmd.addAll(options);
        sensor = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("sensor.log").toFile()).start();
    }

    private AgentProcess startAgent() throws Exception {
        AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"), List.of("--config", cfg.toString(), "--sensor", "off"));
        agent.awaitReady(Duration.ofSeconds(120));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        // The sensor retries with a backoff of at most 5 s; then, the first time, it attaches its programs.
        while (AgentProcess.sample(agent.metrics(), "vigil_connections", "") < 1
            || !Files.readString(dir.resolve("sensor.log")).contains("vigil-sensor: running")) {
            assertTrue(sensor.isAlive(), "the sensor exited:\n" + Files.readString(dir.resolve("sensor.log")));
            assertTrue(System.nanoTime() < deadline, "the sensor never connected:\n" + Files.readString(dir.resolve("sensor.log"))
                + "\nagent:\n" + agent.logs());
            Thread.sleep(100);
        }
        return agent;
    }

    /** A busy loop per core, and a host shell that execs all the time (a few hundred events a second). */
    private void busyMachine() throws IOException {
        for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
            load.add(new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        }
        load.add(new ProcessBuilder("sh", "-c", "while :; do /bin/true; done").start());
    }

    private List<JsonNode> awaitAlerts(AgentProcess agent, Predicate<JsonNode> wanted) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<JsonNode> alerts = readAlerts(agent.stdoutFile());
        while (alerts.stream().noneMatch(wanted)) {
            assertTrue(System.nanoTime() < deadline, "no such alert after the restart; alerts:\n" + alerts + "\nsensor:\n"
                + Files.readString(dir.resolve("sensor.log")) + "\nagent:\n" + agent.logs());
            Thread.sleep(300);
            alerts = readAlerts(agent.stdoutFile());
        }
        return alerts;
    }

    private static boolean isPacketAlert(JsonNode a, String containerId) {
        return a.path("rule").asText().equals(PACKET_RULE)
            && a.path("output_fields").path("container.id").asText().equals(containerId.substring(0, 12));
    }

    /** The alert's time is the event's (evt.rawtime), not the time the agent got the replayed line. */
    private static void assertEventTimeWithin(JsonNode alert, long from, long to) {
        long t = timeNanos(alert);
        assertTrue(from <= t && t <= to, "alert time " + t + " inside the gap [" + from + ", " + to + "]: " + alert);
    }

    private static long timeNanos(JsonNode alert) {
        java.time.Instant i = java.time.Instant.parse(alert.path("time").asText());
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static long nowNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private void container(String id, List<String> options, String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Repo.root().resolve("sensor/test/oci-container.sh").toString(), "--id", id));
        cmd.addAll(options);
        cmd.add("--");
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("container-" + id.substring(0, 12) + ".log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("container " + id + " did not finish");
        }
    }

    private static String randomId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
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
