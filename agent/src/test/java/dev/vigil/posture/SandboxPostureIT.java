package dev.vigil.posture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import dev.vigil.testing.OciContainers;
import dev.vigil.testing.OciContainers.Container;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every sandbox layer on real runc containers, with the sensor: a hardened container (a Docker-like
 * seccomp filter, no_new_privs, a user namespace, nothing of the host's) raises nothing and reports
 * nothing; a host pid namespace, a host network, a runtime socket, the host's /proc read-write are each
 * alerted once with the right finding; seccomp disabled is posture and a gauge, no alert; a fork-happy
 * container with a finding raises it once; {@code runc exec --cap CAP_SYS_ADMIN} into the hardened
 * container is alerted once. {@code vigil posture --json} and the gauges agree.
 */
class SandboxPostureIT {
    private static final String CRIO_DIR = "/run/crio";

    @TempDir
    Path dir;

    private static Consumer<ObjectNode> dropNamespace(String type) {
        return root -> {
            ArrayNode ns = (ArrayNode) root.path("linux").path("namespaces");
            for (int i = ns.size() - 1; i >= 0; i--) {
                if (ns.get(i).path("type").asText().equals(type)) {
                    ns.remove(i);
                }
            }
        };
    }

    private static Consumer<ObjectNode> bind(String source, String dest, String mode) {
        return root -> {
            ObjectNode m = ((ArrayNode) root.get("mounts")).addObject();
            m.put("destination", dest).put("type", "bind").put("source", source);
            m.putArray("options").add("rbind").add(mode);
        };
    }

    /** A user namespace of its own, a Docker-like filter (deny-list), no_new_privs. */
    private static void harden(ObjectNode root) {
        ObjectNode linux = (ObjectNode) root.get("linux");
        ((ArrayNode) linux.get("namespaces")).addObject().put("type", "user");
        for (String k : new String[] {"uidMappings", "gidMappings"}) {
            // a user namespace of its own; mapped from host uid 0 because the bundle's rootfs is root's (runc
            // makes the mount points in it): capabilities are still the namespace's, not the host's
            linux.putArray(k).addObject().put("containerID", 0).put("hostID", 0).put("size", 65536);
        }
        ObjectNode seccomp = linux.putObject("seccomp");
        seccomp.put("defaultAction", "SCMP_ACT_ALLOW");
        seccomp.putArray("architectures").add("SCMP_ARCH_X86_64");
        ObjectNode deny = seccomp.putArray("syscalls").addObject();
        ArrayNode names = deny.putArray("names");
        for (String s : new String[] {"keyctl", "add_key", "request_key", "kexec_load", "open_by_handle_at",
            "init_module", "finit_module", "delete_module", "bpf", "perf_event_open", "userfaultfd", "ptrace"}) {
            names.add(s);
        }
        deny.put("action", "SCMP_ACT_ERRNO");
        ((ObjectNode) root.get("process")).put("noNewPrivileges", true);
        // cgroup and sysfs mounts need privileges a user namespace lacks here: keep the rest
        ArrayNode mounts = (ArrayNode) root.get("mounts");
        for (int i = mounts.size() - 1; i >= 0; i--) {
            String t = mounts.get(i).path("type").asText();
            if (t.equals("sysfs") || t.equals("cgroup")) {
                mounts.remove(i);
            }
        }
    }

    private static void requireRuncAndSensor() {
        Integration.requireOrSkip(OciContainers.unavailableReason() == null, String.valueOf(OciContainers.unavailableReason()));
        Integration.requireSensorBuildOrSkip();
    }

    /** The agent's config: its socket and state in the test's directory, then {@code more} (YAML). */
    private Path config(String more) throws Exception {
        // the user-namespaced container's root (uid 100000 outside) must traverse the bundle's path
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + run.resolve("vigil.sock") + "\nstate:\n  stateDir: "
            + dir.resolve("state") + "\n" + more);
        return cfg;
    }

    /** Waits (60 s at most) until the agent has read at least {@code n} sandboxes. */
    private static void awaitSandboxReads(AgentProcess agent, int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        double ok;
        while ((ok = AgentProcess.sample(agent.metrics(), "vigil_state_sandbox_reads_total", "result=\"ok\"")) < n) {
            assertTrue(System.nanoTime() < deadline, "only " + ok + " sandboxes read in 60 s:\n" + agent.metrics());
            Thread.sleep(200);
        }
    }

    /** The agent with its sensor, ready and connected. */
    private AgentProcess startAgent(Path cfg) throws Exception {
        AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"), List.of("--config", cfg.toString(), "--sensor", "on"));
        try {
            agent.awaitReady(Duration.ofSeconds(120));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (AgentProcess.sample(agent.metrics(), "vigil_connections", "") < 1) {
                assertTrue(System.nanoTime() < deadline, "the sensor never connected:\n" + agent.logs());
                Thread.sleep(200);
            }
            return agent;
        } catch (Exception | AssertionError e) {
            agent.close();
            throw e;
        }
    }

    /** The rules that fired, per container of {@code names} (short id to the test's name), in order. */
    private static Map<String, List<String>> alertsPerContainer(AgentProcess agent, Map<String, String> names)
            throws Exception {
        Map<String, List<String>> alerts = new TreeMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : Files.readAllLines(agent.stdoutFile())) {
            if (!line.startsWith("{")) {
                continue;
            }
            JsonNode a = json.readTree(line);
            String id = a.path("output_fields").path("container.id").asText();
            if (names.containsKey(id)) {
                alerts.computeIfAbsent(names.get(id), k -> new ArrayList<>()).add(a.path("rule").asText());
            }
        }
        return alerts;
    }

    /** The one "Privileged exec into container" alert of container {@code c}, with its identity fields. */
    private static JsonNode privilegedExec(AgentProcess agent, Container c) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> found = new ArrayList<>();
        for (String line : Files.readAllLines(agent.stdoutFile())) {
            if (line.startsWith("{")) {
                JsonNode a = json.readTree(line);
                if (a.path("rule").asText().equals("Privileged exec into container")
                    && a.path("output_fields").path("container.id").asText().equals(c.shortId())) {
                    found.add(a);
                }
            }
        }
        assertEquals(1, found.size(), found.toString());
        return found.get(0);
    }

    /** {@code vigil posture --json} and its extra arguments, run now. */
    private JsonNode postureJson(String... extra) throws Exception {
        Path out = dir.resolve("posture.json");
        List<String> cmd = new ArrayList<>(List.of("java", "-jar", AgentProcess.jar().toString(), "posture", "--json"));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(dir.resolve("posture.err").toFile())
            .start();
        assertEquals(0, p.waitFor(), Files.readString(dir.resolve("posture.err")));
        return new ObjectMapper().readTree(out.toFile());
    }

    private static void putName(Map<String, String> names, Container c) {
        names.put(c.shortId(), c.name().replaceAll("vigil-it-(.*)-.*", "$1"));
    }

    @Test
    void everySandboxLayerOnRealContainers() throws Exception {
        requireRuncAndSensor();
        Integration.requireOrSkip(!Files.exists(Path.of(CRIO_DIR)), "a free " + CRIO_DIR + " (the test's runtime socket)");

        Path cfg = config("");
        // A capability-less agent tells a host IPC namespace by the mqueue mount's device (the ns links need
        // ptrace): the node under test mounts /dev/mqueue as systemd does, for the test's length if it did not
        boolean mqueueMounted = mountHostMqueue();
        Path crio = Files.createDirectories(Path.of(CRIO_DIR));
        ServerSocketChannel socket = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX);
        socket.bind(UnixDomainSocketAddress.of(crio.resolve("crio.sock")));
        Map<String, String> names = new HashMap<>();
        try (socket; AgentProcess agent = startAgent(cfg);
             OciContainers oci = new OciContainers(dir.resolve("oci"))) {
            Container hardened = oci.start("hardened", new OciContainers.Spec().edit(SandboxPostureIT::harden));
            Container hostPid = oci.start("hostpid", new OciContainers.Spec().edit(dropNamespace("pid")));
            Container hostNet = oci.start("hostnet", new OciContainers.Spec().edit(dropNamespace("network")));
            Container hostIpc = oci.start("hostipc", new OciContainers.Spec().edit(dropNamespace("ipc")));
            Container sock = oci.start("sock", new OciContainers.Spec().edit(bind(CRIO_DIR + "/crio.sock", "/crio.sock", "rw")));
            Container proc = oci.start("proc", new OciContainers.Spec().edit(bind("/proc", "/host/proc", "rw")));
            Container plain = oci.start("noseccomp", new OciContainers.Spec());
            Container forky = oci.start("forky", new OciContainers.Spec().edit(dropNamespace("pid"))
                .args("/bin/sh", "-c", "for i in $(seq 300); do sleep 0 & done; wait; sleep 300"));
            for (Container c : List.of(hardened, hostPid, hostNet, hostIpc, sock, proc, plain, forky)) {
                putName(names, c);
            }
            // The workloads start and their sandboxes are read (an exec is compared with a sandbox already read)
            awaitSandboxReads(agent, 8);
            assertEquals(0, oci.exec(hardened, List.of("--cap", "CAP_SYS_ADMIN"), "/bin/sleep", "30"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            Map<String, List<String>> alerts = alertsPerContainer(agent, names);
            while (alerts.getOrDefault("hardened", List.of()).size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(200);
                alerts = alertsPerContainer(agent, names);
            }
            Thread.sleep(2000); // and nothing more comes: each finding once
            System.out.println("SandboxPostureIT alerts per container: " + alerts + " (sensor lost events: "
                + AgentProcess.sample(agent.metrics(), "vigil_sensor_lost_events_total", "") + ")");
            // the exec's CAP_SYS_ADMIN is also what the privileged rule reports (a true alert, of the exec's execve)
            assertEquals(List.of("Container process with capabilities beyond the default set", "Privileged exec into container"),
                alerts.get("hardened").stream().sorted().toList(), alerts.toString());
            JsonNode exec = privilegedExec(agent, hardened);
            assertEquals("capabilities beyond the workload's: CAP_SYS_ADMIN", exec.path("output_fields").path("evt.arg.weaker").asText(),
                exec.toString());
            assertEquals("sleep 30", exec.path("output_fields").path("proc.cmdline").asText(), exec.toString());
            assertEquals(List.of("Container shares a host namespace"), alerts.get("hostpid"), alerts.toString());
            assertEquals(List.of("Container shares a host namespace"), alerts.get("hostnet"), alerts.toString());
            assertEquals(List.of("Container shares a host namespace"), alerts.get("hostipc"), alerts.toString());
            assertTrue(Files.readString(agent.stdoutFile()).contains("Container shares a host namespace (host_ns=ipc"),
                "the host IPC container's alert names ipc");
            assertEquals(List.of("Container runtime socket mounted"), alerts.get("sock"), alerts.toString());
            assertEquals(List.of("Host path mounted writable in container"), alerts.get("proc"), alerts.toString());
            assertEquals(null, alerts.get("noseccomp"), alerts.toString());
            assertEquals(List.of("Container shares a host namespace"), alerts.get("forky"), alerts.toString());

            String metrics = agent.metrics();
            JsonNode report = postureJson();
            System.out.println("SandboxPostureIT vigil posture --json sandbox_findings: " + report.get("sandbox_findings"));
            Map<String, Integer> perFinding = new TreeMap<>();
            Map<String, List<String>> perContainer = new TreeMap<>();
            for (JsonNode f : report.get("sandbox_findings")) {
                String id = f.get("container_id").asText();
                if (names.containsKey(id)) {
                    perFinding.merge(f.get("finding").asText(), 1, Integer::sum);
                    perContainer.computeIfAbsent(names.get(id), k -> new ArrayList<>()).add(f.get("finding").asText());
                }
            }
            System.out.println("SandboxPostureIT posture findings: " + perContainer);
            assertEquals(null, perContainer.get("hardened"), perContainer.toString());
            assertTrue(perContainer.get("noseccomp").contains("seccomp_disabled"), perContainer.toString());
            // the read-only sysfs runc mounts in the host's network namespace is the host's, and no finding of its own
            assertTrue(perContainer.get("hostnet").contains("host_net"), perContainer.toString());
            assertFalse(perContainer.get("hostnet").contains("host_path_mounted"), perContainer.toString());
            for (String f : List.of("host_pid", "host_net", "runtime_socket", "host_path_writable", "seccomp_disabled")) {
                double g = AgentProcess.sample(metrics, "vigil_posture_containers", "finding=\"" + f + "\"");
                assertTrue(g >= perFinding.getOrDefault(f, 0), f + ": gauge " + g + " < posture " + perFinding);
            }
            assertEquals(1.0, AgentProcess.sample(metrics, "vigil_posture_privileged_execs_total", ""));
        } finally {
            Files.deleteIfExists(crio.resolve("crio.sock"));
            Files.deleteIfExists(crio);
            if (mqueueMounted) {
                run("umount", "/dev/mqueue");
                Files.deleteIfExists(Path.of("/dev/mqueue"));
            }
        }
    }

    /** Mounts mqueue on /dev/mqueue when the host's init has none; true when it did (to undo). */
    private static boolean mountHostMqueue() throws Exception {
        if (Files.readString(Path.of("/proc/1/mountinfo")).contains(" - mqueue ")) {
            return false;
        }
        Files.createDirectories(Path.of("/dev/mqueue"));
        assertEquals(0, run("mount", "-t", "mqueue", "mqueue", "/dev/mqueue"), "mount -t mqueue");
        return true;
    }

    private static int run(String... cmd) throws Exception {
        return new ProcessBuilder(cmd).inheritIO().start().waitFor();
    }

    /**
     * Seccomp disabled is posture only by default (above); on a node whose config asks for it
     * ({@code posture.alertOn: [seccomp_disabled]}) it is one alert per container, and
     * {@code vigil posture --config} says so too. The hardened container stays quiet.
     */
    @Test
    void seccompDisabledAlertsWhenTheConfigAsksForIt() throws Exception {
        requireRuncAndSensor();
        Path cfg = config("posture:\n  alertOn: [seccomp_disabled]\n");
        Map<String, String> names = new HashMap<>();
        try (AgentProcess agent = startAgent(cfg); OciContainers oci = new OciContainers(dir.resolve("oci"))) {
            Container hardened = oci.start("hardened", new OciContainers.Spec().edit(SandboxPostureIT::harden));
            Container plain = oci.start("noseccomp", new OciContainers.Spec()
                .args("/bin/sh", "-c", "for i in $(seq 50); do sleep 0 & done; wait; sleep 300"));
            putName(names, hardened);
            putName(names, plain);
            awaitSandboxReads(agent, 2);
            Thread.sleep(2000); // the forks run: still one alert

            Map<String, List<String>> alerts = alertsPerContainer(agent, names);
            System.out.println("SandboxPostureIT (alertOn: seccomp_disabled) alerts per container: " + alerts);
            assertEquals(List.of("Container sandbox layer missing"), alerts.get("noseccomp"), alerts.toString());
            assertEquals(null, alerts.get("hardened"), alerts.toString());
            String out = Files.readString(agent.stdoutFile());
            assertTrue(out.contains("Container sandbox layer missing (findings=seccomp_disabled seccomp=disabled"), out);

            Map<String, Boolean> alertsFlag = new TreeMap<>();
            for (JsonNode f : postureJson("--config", cfg.toString()).get("sandbox_findings")) {
                if (plain.shortId().equals(f.get("container_id").asText())) {
                    alertsFlag.put(f.get("finding").asText(), f.get("alerts").asBoolean());
                }
            }
            assertEquals(true, alertsFlag.get("seccomp_disabled"), alertsFlag.toString());
            assertEquals(false, alertsFlag.get("root_without_userns"), alertsFlag.toString());
            double gauge = AgentProcess.sample(agent.metrics(), "vigil_posture_containers", "finding=\"seccomp_disabled\"");
            assertTrue(gauge >= 1, "seccomp_disabled gauge " + gauge); // other containers of this node count too
        }
    }
}
