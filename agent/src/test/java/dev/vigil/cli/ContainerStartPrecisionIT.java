package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.CriCreate;
import dev.vigil.testing.Integration;
import dev.vigil.testing.PrivateContainerd;
import dev.vigil.testing.Repo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime's set-up of a container is quiet and a name buys the workload nothing, with the bundled
 * sensor, the default rules and real containers, on an idle and on a loaded machine:
 * <ul>
 * <li>the attack: in a container granted CAP_SYS_ADMIN, {@code cp busybox /tmp/runc; exec -a unshare
 *     /tmp/runc -m true} (busybox's unshare applet, chosen by argv[0], in an executable whose comm is
 *     {@code runc}) raises "CAP_SYS_ADMIN syscall succeeded in container" naming {@code runc}, under runc
 *     and under containerd;</li>
 * <li>benign containers, started by runc (Docker's layout) and containerd (plain {@code ctr run}, and
 *     CRI pods as the kubelet makes them): a plain workload, a shell spawning 300 short processes (under
 *     a roomy pids limit with runc), a container granted CAP_SYS_ADMIN that never uses it, a restart;
 *     every alert about them is counted, and none may be raised but the Notice for capabilities beyond
 *     Docker's default set, and that only for the containers granted CAP_SYS_ADMIN.</li>
 * </ul>
 * The shipped rules are used with their {@code baseline} keys removed: during a node's first ten
 * minutes a baseline learns silently, which would hide a false alert rather than prevent it. Containers
 * other tests run on this machine at the same time are not ours and not counted. Loaded: two host
 * processes spin at nice 0 (both cores busy) while the containers start.
 *
 * <p>A longer soak: {@code VIGIL_PRECISION_ROUNDS=20 ./mvnw -B -o -pl agent verify -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=ContainerStartPrecisionIT} (rounds of the idle and
 * loaded suites; default 1).
 */
class ContainerStartPrecisionIT {
    private static final String ATTACK_RULE = "CAP_SYS_ADMIN syscall succeeded in container";
    private static final String NOTICE_RULE = "Container process with capabilities beyond the default set";
    private static final String SPAWN_300 =
        "i=0; while [ $i -lt 30 ]; do for j in 0 1 2 3 4 5 6 7 8 9; do /bin/true & done; wait; i=$((i+1)); done";
    private static final String ATTACK =
        "/bin/busybox mkdir -p /tmp && /bin/busybox cp /bin/busybox /tmp/runc && exec -a unshare /tmp/runc -m true";

    @TempDir
    Path dir;

    /** A container we started: its 12-character id as the alerts name it, what it is, and in which phase. */
    private record Started(String cid, String what, String phase, boolean sysAdmin, boolean attack) {
    }

    private final Map<String, Started> started = new LinkedHashMap<>();
    private int starts;
    private PrivateContainerd containerd;

    @Test
    void theSetUpIsQuietAndANameBuysTheWorkloadNothing() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF, runc, containerd)");
        Integration.requireOrSkip(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
        Integration.requireOrSkip(Integration.onPath("runc"), "runc (apt-get install runc)");
        Integration.requireOrSkip(Files.isExecutable(Path.of("/bin/busybox")), "busybox-static");
        Integration.requireOrSkip(Integration.onPath("clang") && Integration.onPath("bpftool"),
            "the sensor's toolchain (apt-get install clang libbpf-dev bpftool libelf-dev zlib1g-dev)");
        String missing = PrivateContainerd.unavailableReason();
        Integration.requireOrSkip(missing == null, String.valueOf(missing));
        int rounds = Integer.parseInt(System.getenv().getOrDefault("VIGIL_PRECISION_ROUNDS", "1"));

        Path rules = dir.resolve("rules-without-learning.yaml");
        Files.writeString(rules, withoutBaselines(Files.readString(Repo.root().resolve("rules/vigil_rules.yaml"))));
        List<JsonNode> alerts;
        String metrics;
        try (PrivateContainerd containerd = PrivateContainerd.start();
             CriCreate cri = new CriCreate(containerd.socket())) {
            this.containerd = containerd;
            Path run = Files.createDirectories(dir.resolve("run"));
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
            Path cfg = dir.resolve("config.yaml");
            Files.writeString(cfg, String.join("\n",
                "ingest:",
                "  socket: " + run.resolve("vigil.sock"),
                "state:",
                "  stateDir: " + dir.resolve("state"),
                "runtime:",
                "  sources: [containerd]",
                "  containerdSocket: " + containerd.socket(),
                ""));
            try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
                List.of("--config", cfg.toString(), "--sensor", "on", "--rules", rules.toString()))) {
                agent.awaitReady(Duration.ofSeconds(120)); // the first start builds the sensor
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (!agent.logs().contains("vigil-sensor: running")) {
                    assertTrue(System.nanoTime() < deadline, "the sensor never finished attaching:\n" + agent.logs());
                    Thread.sleep(200);
                }
                for (int round = 0; round < rounds; round++) {
                    suite("idle", cri);
                    List<Process> spinners = new ArrayList<>();
                    try {
                        for (int i = 0; i < 2; i++) {
                            spinners.add(new ProcessBuilder("nice", "-n", "0", "sh", "-c", "while :; do :; done").start());
                        }
                        suite("loaded", cri);
                    } finally {
                        for (Process p : spinners) {
                            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                        }
                    }
                }
                alerts = awaitAttackAlerts(agent);
                metrics = agent.metrics();
                assertEquals(0, agent.terminate(Duration.ofSeconds(30)), agent.logs());
            }
        }

        Map<String, Integer> benignAlerts = new TreeMap<>();
        Map<String, Integer> allowedNotices = new TreeMap<>();
        int hostNetworkPods = 0;
        List<JsonNode> falseAlerts = new ArrayList<>();
        int foreign = 0;
        for (JsonNode a : alerts) {
            Started s = started.get(a.path("output_fields").path("container.id").asText());
            if (s == null) {
                foreign++; // another test's container on this machine, or the host
                continue;
            }
            String rule = a.path("rule").asText();
            if (rule.equals(NOTICE_RULE) && s.sysAdmin()) {
                allowedNotices.merge(s.phase(), 1, Integer::sum);
            } else if (s.what().startsWith("CRI") && rule.equals("Container shares a host namespace")
                && "host_net".equals(a.path("output_fields").path("evt.arg.alert").asText())) {
                hostNetworkPods++; // true: CriCreate.pod makes a hostNetwork pod (no CNI here); once per container
            } else if (s.attack() && rule.equals(ATTACK_RULE) && named(a, "runc")) {
                continue; // the copy named runc, alerted by its name
            } else {
                benignAlerts.merge(s.phase(), 1, Integer::sum);
                falseAlerts.add(a);
            }
        }
        long benign = started.values().stream().filter(s -> !s.attack()).count();
        System.out.printf("ContainerStartPrecisionIT: %d rounds, %d container starts (%d containers, %d benign);"
                + " false alerts idle %d, loaded %d; allowed capability Notices idle %d, loaded %d;"
                + " host-network posture Notices of the CRI pods (true) %d;"
                + " alerts for other tests' containers %d; sensor lost %s events%n",
            rounds, starts, started.size(), benign, benignAlerts.getOrDefault("idle", 0),
            benignAlerts.getOrDefault("loaded", 0), allowedNotices.getOrDefault("idle", 0),
            allowedNotices.getOrDefault("loaded", 0), hostNetworkPods, foreign,
            (long) AgentProcess.sample(metrics, "vigil_sensor_lost_events_total", ""));
        assertTrue(falseAlerts.isEmpty(), falseAlerts.size() + " false alerts for our containers:\n"
            + String.join("\n", falseAlerts.stream().map(JsonNode::toString).toList()));
        for (Started s : started.values()) {
            if (s.attack()) {
                assertTrue(alerts.stream().anyMatch(a -> a.path("rule").asText().equals(ATTACK_RULE) && named(a, "runc")
                    && a.path("output_fields").path("container.id").asText().equals(s.cid())),
                    "the attack in " + s + " alerted, naming runc");
            }
        }
    }

    /** One of each benign container under runc, ctr and the CRI, then the attack under runc and ctr. */
    private void suite(String phase, CriCreate cri) throws Exception {
        // runc, Docker's cgroupfs layout
        runc(phase, "runc plain", List.of(), false, "sh", "-c", "echo hello; sleep 1");
        runc(phase, "runc 300 processes", List.of("--pids-limit", "1024"), false, "sh", "-c", SPAWN_300);
        runc(phase, "runc CAP_SYS_ADMIN unused", List.of("--cap", "CAP_SYS_ADMIN"), false, "sleep", "1");
        String again = runc(phase, "runc restarted", List.of(), false, "sleep", "1");
        runcWithId(again, phase, "runc restarted", List.of(), false, "sleep", "1");
        // containerd, plain: /default/<name>
        ctr(phase, "ctr plain", List.of(), false, "sh", "-c", "echo hello; sleep 1");
        ctr(phase, "ctr 300 processes", List.of(), false, "sh", "-c", SPAWN_300);
        ctr(phase, "ctr CAP_SYS_ADMIN unused", List.of("--cap-add", "CAP_SYS_ADMIN"), false, "sleep", "1");
        String name = ctr(phase, "ctr restarted", List.of(), false, "sleep", "1");
        ctrNamed(name, phase, "ctr restarted", List.of(), false, "sleep", "1");
        // containerd's CRI, as the kubelet makes a pod: its sandbox (pause), a container, its restart
        String uid = UUID.randomUUID().toString();
        var pod = CriCreate.pod("web-" + uid.substring(0, 5), "precision", uid, Map.of("app", "web"),
            "/kubepods/besteffort/pod" + uid);
        String podId = cri.runPodSandbox(pod);
        record(podId, phase, "CRI pod sandbox", false, false);
        for (int attempt = 0; attempt < 2; attempt++) {
            String id = cri.createContainer(podId, pod, "app", PrivateContainerd.IMAGE, Map.of(),
                List.of("/bin/sh", "-c", "echo hello; sleep 1"));
            record(id, phase, attempt == 0 ? "CRI container" : "CRI container restarted", false, false);
            cri.startContainer(id);
            Thread.sleep(1500);
            cri.removeContainer(id);
        }
        String spawner = cri.createContainer(podId, pod, "spawner", PrivateContainerd.IMAGE, Map.of(),
            List.of("/bin/sh", "-c", SPAWN_300));
        record(spawner, phase, "CRI 300 processes", false, false);
        cri.startContainer(spawner);
        Thread.sleep(3000);
        cri.removeContainer(spawner);
        cri.removePod(podId);
        // the attack, last: once its alerts are out, what came before was matched
        runc(phase, "runc attack", List.of("--cap", "CAP_SYS_ADMIN", "--tmpfs", "/tmp"), true, "sh", "-c", ATTACK);
        ctr(phase, "ctr attack", List.of("--cap-add", "CAP_SYS_ADMIN"), true, "sh", "-c", ATTACK);
    }

    private void record(String id, String phase, String what, boolean sysAdmin, boolean attack) {
        started.put(id.substring(0, 12), new Started(id.substring(0, 12), what, phase, sysAdmin, attack));
        starts++;
    }

    private String runc(String phase, String what, List<String> options, boolean attack, String... command)
        throws Exception {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        String id = HexFormat.of().formatHex(b);
        runcWithId(id, phase, what, options, attack, command);
        return id;
    }

    private void runcWithId(String id, String phase, String what, List<String> options, boolean attack,
                            String... command) throws Exception {
        record(id, phase, what, options.contains("CAP_SYS_ADMIN"), attack);
        List<String> cmd = new ArrayList<>(List.of(Repo.root().resolve("sensor/test/oci-container.sh").toString(),
            "--id", id));
        cmd.addAll(options);
        cmd.add("--");
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("containers.log").toFile())).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError(what + " (" + id + ") did not finish");
        }
        assertEquals(0, p.exitValue(), what + " exited " + p.exitValue() + "; see " + dir.resolve("containers.log"));
    }

    private String ctr(String phase, String what, List<String> options, boolean attack, String... command)
        throws Exception {
        byte[] b = new byte[6];
        new SecureRandom().nextBytes(b);
        String name = "v" + HexFormat.of().formatHex(b).substring(1); // the sensor names it by its first 12 chars
        ctrNamed(name, phase, what, options, attack, command);
        return name;
    }

    private void ctrNamed(String name, String phase, String what, List<String> options, boolean attack,
                          String... command) throws Exception {
        record(name, phase, what, options.contains("CAP_SYS_ADMIN"), attack);
        List<String> args = new ArrayList<>(List.of("run", "--rm"));
        args.addAll(options);
        args.add(PrivateContainerd.IMAGE);
        args.add(name);
        args.addAll(List.of(command));
        containerd.ctr("default", args.toArray(String[]::new));
    }

    /** The attacks' alerts, all of them (60 s at most), then two seconds for the alerts' identity waits. */
    private List<JsonNode> awaitAttackAlerts(AgentProcess agent) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<JsonNode> alerts = List.of();
        while (System.nanoTime() < deadline) {
            alerts = readAlerts(agent.stdoutFile());
            List<JsonNode> seen = alerts;
            if (started.values().stream().filter(Started::attack).allMatch(s -> seen.stream().anyMatch(
                a -> a.path("rule").asText().equals(ATTACK_RULE) && named(a, "runc")
                    && a.path("output_fields").path("container.id").asText().equals(s.cid())))) {
                Thread.sleep(2000);
                return readAlerts(agent.stdoutFile());
            }
            Thread.sleep(300);
        }
        throw new AssertionError("not every attack alerted within 60 s: " + alerts + "\nlogs:\n" + agent.logs());
    }

    private static boolean named(JsonNode alert, String procName) {
        return alert.path("output_fields").path("proc.name").asText().equals(procName);
    }

    /** The rules with every {@code baseline:} block removed: each match fires. */
    static String withoutBaselines(String yaml) {
        StringBuilder out = new StringBuilder();
        boolean skipping = false;
        for (String line : yaml.split("\n", -1)) {
            if (line.equals("  baseline:")) {
                skipping = true;
                continue;
            }
            if (skipping && line.startsWith("    ")) {
                continue;
            }
            skipping = false;
            out.append(line).append('\n');
        }
        return out.toString();
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
