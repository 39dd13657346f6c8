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
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole chain on this kernel: {@code vigil run --sensor on} (the real eBPF sensor), then real OCI
 * containers under Debian's runc with Docker's cgroupfs layout and default capabilities, each
 * running one attack of DESIGN.md. Each must raise its alert with its category tag and container
 * id; the host doing {@code unshare -m} must raise none of the container alerts.
 */
class SensorEndToEndIT {
    private static final Set<String> CATEGORIES = Set.of("cap_sys_admin", "fork_bomb", "raw_socket", "privileged");

    @TempDir
    Path dir;

    static String randomId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
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

    @Test
    void realContainersRaiseTheirAlerts() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF and runc)");
        Integration.requireOrSkip(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
        Integration.requireOrSkip(Integration.onPath("runc"), "runc (apt-get install runc)");
        Integration.requireOrSkip(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Integration.requireOrSkip(Integration.onPath("clang") && Integration.onPath("bpftool"),
            "the sensor's toolchain (apt-get install clang libbpf-dev bpftool libelf-dev zlib1g-dev)");

        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + run.resolve("vigil.sock") + "\nstate:\n  stateDir: "
            + dir.resolve("state") + "\n");
        String cap = randomId(), packet = randomId(), bomb = randomId(), privileged = randomId();
        List<JsonNode> alerts = new ArrayList<>();
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
            List.of("--config", cfg.toString(), "--sensor", "on"))) {
            agent.awaitReady(Duration.ofSeconds(120)); // the first start builds the sensor
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (AgentProcess.sample(agent.metrics(), "vigil_connections", "") < 1) {
                assertTrue(System.nanoTime() < deadline, "the sensor never connected:\n" + agent.logs());
                Thread.sleep(200);
            }
            // The sensor connects first, then attaches its programs one by one: what a container does
            // before the last is attached may go unseen. Wait for the sensor to say it is running (a
            // fixed pause was not enough where attaching is slow, as on a loaded machine).
            while (!agent.logs().contains("vigil-sensor: running")) {
                assertTrue(System.nanoTime() < deadline, "the sensor never finished attaching:\n" + agent.logs());
                Thread.sleep(200);
            }
            assertSensorHoldsOnlyWhatEbpfNeeds(agent.process().pid());

            new ProcessBuilder("unshare", "-m", "true").inheritIO().start().waitFor(); // the host: no container alert
            container(cap, List.of("--cap", "CAP_SYS_ADMIN"), "unshare", "-m", "true");
            // Arguments afpacket ignores, so that its command line is its own: the sensor reads it at exec.
            String packetArg = "vigil-e2e-" + packet.substring(0, 8);
            container(packet, List.of(), "afpacket", "--iface", packetArg);
            container(bomb, List.of("--pids-limit", "40"), "sh", "-c", "f() { f | f & }; f; exec sleep 3");
            container(privileged, List.of("--privileged"), "true");

            Set<String> pending = new java.util.HashSet<>(Set.of(cap + "/cap_sys_admin", packet + "/raw_socket",
                bomb + "/fork_bomb", privileged + "/privileged"));
            deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!pending.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(500);
                alerts = readAlerts(agent.stdoutFile());
                for (JsonNode a : alerts) {
                    String cid = a.path("output_fields").path("container.id").asText();
                    for (JsonNode tag : a.path("tags")) {
                        pending.removeIf(p -> p.startsWith(cid) && p.endsWith("/" + tag.asText()));
                    }
                }
            }
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
            // The agent (no longer root: issue 16, finding 6) stops its sensor by closing the sensor's stdin.
            String logs = agent.logs();
            assertTrue(logs.contains("vigil-sensor: stdin closed: stopping") && logs.contains("vigil-sensor: stopping:"),
                "the sensor stopped through its stdin, with its summary:\n" + logs);
            assertTrue(pending.isEmpty(), "no alert for " + pending + "; alerts:\n" + alerts + "\nlogs:\n" + agent.logs());
        }
        boolean packetAlert = false;
        for (JsonNode a : alerts) {
            JsonNode cid = a.path("output_fields").path("container.id");
            if (a.path("rule").asText().equals("Packet socket in container") && cid.asText().equals(packet.substring(0, 12))) {
                // The process was cloned then exec'd: only the sensor's execve line can know its command line.
                assertEquals("afpacket --iface vigil-e2e-" + packet.substring(0, 8),
                    a.path("output_fields").path("proc.cmdline").asText(), "proc.cmdline in Falco's form: " + a);
                packetAlert = true;
            }
            boolean category = false;
            for (JsonNode tag : a.path("tags")) {
                category |= CATEGORIES.contains(tag.asText());
            }
            if (a.path("rule").asText().equals("Privileged container process")) {
                assertEquals(privileged.substring(0, 12), cid.asText(), "only the privileged container is: " + a);
            }
            if (category) {
                assertTrue(cid.isTextual() && !cid.asText().equals("host"), "a container alert for the host: " + a);
                assertTrue(!a.path("output_fields").path("proc.name").asText().startsWith("runc:"),
                    "the runtime's own set-up is not the workload: " + a);
            }
        }
        assertTrue(packetAlert, "a Packet socket in container alert for " + packet + ": " + alerts);
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

    /** The sensor the agent started (its child) holds CAP_BPF and CAP_PERFMON, nothing else. */
    private static void assertSensorHoldsOnlyWhatEbpfNeeds(long agentPid) throws Exception {
        long expected = (1L << 39) | (1L << 38);
        List<ProcessHandle> sensors = ProcessHandle.of(agentPid).orElseThrow().descendants()
            .filter(h -> h.info().command().map(c -> c.endsWith("/vigil-sensor")).orElse(false)).toList();
        assertTrue(!sensors.isEmpty(), "the sensor process among the agent's children");
        for (ProcessHandle h : sensors) {
            for (String line : Files.readAllLines(Path.of("/proc/" + h.pid() + "/status"))) {
                if (line.startsWith("CapEff:") || line.startsWith("CapPrm:") || line.startsWith("CapBnd:")) {
                    assertEquals(expected, Long.parseUnsignedLong(line.substring(7).trim(), 16),
                        line + " of the sensor (pid " + h.pid() + ")");
                }
            }
        }
    }
}
