package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import dev.vigil.runtime.api.Cri;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.CriCreate;
import dev.vigil.testing.DockerfileStage;
import dev.vigil.testing.Integration;
import dev.vigil.testing.OfflineImage;
import dev.vigil.testing.PodSpecToCri;
import dev.vigil.testing.PrivateContainerd;
import dev.vigil.testing.Repo;
import dev.vigil.testing.api.CriCreateApi;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DaemonSet's pod, as the chart renders it, run for real through containerd's CRI (what a kubelet drives):
 * the agent and sensor images built offline from this machine's parts (a jlink'd JRE and vigil.jar; the sensor
 * binary; each with its shared libraries, and user, entrypoint, cmd and env read from the Dockerfile's stage),
 * imported with {@code ctr images import}, and the rendered pod template translated field by field into CRI
 * requests by {@link PodSpecToCri} (which fails on a field it does not translate). Then, as the kubelet would
 * see it and more: the init container hands the state directory over and exits 0; the startup, liveness and
 * readiness probes pass; the agent process runs as 65532 with no capability at all, no_new_privs, seccomp, a
 * read-only root and its 448Mi limit; the sensor runs as root with CAP_BPF and CAP_PERFMON alone (not
 * privileged: every other capability out of its bounding set, /proc paths masked) and attaches its programs;
 * the agent reaches containerd's socket through the pod's supplementalGroups; and a neighbour pod opening a
 * packet socket comes out of the agent container's log as an alert naming the neighbour's pod, namespace,
 * container and image.
 *
 * <p>Liberties with the manifest, all here: the chart's {@code runtime.containerd.socket} value points at the
 * test's own containerd; the hostPaths {@code /var/lib/vigil} and {@code /run/crio} are moved under the test's
 * directory (not to write on the machine's); the probes are run from inside the pod's network namespace
 * ({@code nsenter}) against 127.0.0.1, where a kubelet would use the pod's IP.
 */
class DaemonSetPodIT {
    private static final Path CHART = Repo.root().resolve("deploy/helm/vigil");
    private static final String RULE = "Packet socket in container";
    private static final long CAP_PERFMON = 1L << 38;
    private static final long CAP_BPF = 1L << 39;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** The translation refuses what it does not translate, rather than running a weaker pod. */
    @Test
    void aFieldTheTranslationDoesNotKnowFailsIt() throws Exception {
        JsonNode template = podTemplate(render(Map.of()));
        Map<String, JsonNode> maps = configMaps(render(Map.of()));
        PodSpecToCri.Node node = new PodSpecToCri.Node("n", dir, dir, Map.of());
        // As rendered, it translates; the agent's request is the least-privileged one.
        PodSpecToCri.Pod pod = PodSpecToCri.translate(template, maps, "vigil", "vigil-x", "u", node);
        CriCreateApi.LinuxContainerSecurityContext agent = pod.container("agent").config().getLinux().getSecurityContext();
        assertEquals(65532, agent.getRunAsUser().getValue());
        assertEquals(List.of("ALL"), agent.getCapabilities().getDropCapabilitiesList());
        assertEquals(List.of(), agent.getCapabilities().getAddCapabilitiesList());
        assertTrue(agent.getNoNewPrivs() && agent.getReadonlyRootfs() && !agent.getPrivileged(), agent.toString());
        assertEquals(List.of(65533L, 65532L), agent.getSupplementalGroupsList());
        assertEquals(CriCreateApi.NamespaceMode.NODE, agent.getNamespaceOptions().getPid(), "hostPID");
        assertEquals(448L << 20, pod.container("agent").config().getLinux().getResources().getMemoryLimitInBytes());
        CriCreateApi.LinuxContainerSecurityContext sensor = pod.container("sensor").config().getLinux().getSecurityContext();
        assertEquals(List.of("BPF", "PERFMON"), sensor.getCapabilities().getAddCapabilitiesList());
        assertFalse(sensor.getPrivileged());

        for (String[] change : List.of(
            new String[] {"spec", "shareProcessNamespace"},
            new String[] {"spec.securityContext", "sysctls"},
            new String[] {"container", "workingDir"},
            new String[] {"containerSecurityContext", "procMount"},
            new String[] {"capabilities", "ambient"})) {
            JsonNode t = template.deepCopy();
            ObjectNode target = switch (change[0]) {
                case "spec" -> (ObjectNode) t.path("spec");
                case "spec.securityContext" -> (ObjectNode) t.path("spec").path("securityContext");
                case "container" -> (ObjectNode) t.path("spec").path("containers").get(0);
                case "containerSecurityContext" -> (ObjectNode) t.path("spec").path("containers").get(1).path("securityContext");
                default -> (ObjectNode) t.path("spec").path("containers").get(1).path("securityContext").path("capabilities");
            };
            target.put(change[1], "x");
            PodSpecToCri.UntranslatedField e = assertThrows(PodSpecToCri.UntranslatedField.class,
                () -> PodSpecToCri.translate(t, maps, "vigil", "vigil-x", "u", node), change[1]);
            assertTrue(e.getMessage().contains(change[1]), e.getMessage());
        }
    }

    @Test
    void theRenderedPodRunsThroughTheCriAndAlertsOnANeighboursPacketSocket() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (containerd, eBPF)");
        String missing = PrivateContainerd.unavailableReason();
        Integration.requireOrSkip(missing == null, String.valueOf(missing));
        Integration.requireSensorBuildOrSkip();
        Path jlink = Path.of(System.getProperty("java.home"), "bin", "jlink");
        Integration.requireOrSkip(Files.isExecutable(jlink) && Files.isDirectory(jlink.getParent().resolveSibling("jmods")),
            "jlink and the JDK's jmods, for the agent image's JRE (apt-get install openjdk-17-jdk-headless openjdk-17-jmods)");
        for (String tool : List.of("nsenter", "curl", "ip", "ldd")) {
            Integration.requireOrSkip(Integration.onPath(tool), tool + " (apt-get install util-linux curl iproute2)");
        }
        Path jar = AgentProcess.jar().toAbsolutePath();
        Path sensorDir = Repo.root().resolve("sensor");
        Process make = new ProcessBuilder("make", "-s", "-C", sensorDir.toString(), "build/vigil-sensor", "build/afpacket")
            .inheritIO().start();
        assertEquals(0, make.waitFor(), "make sensor/build/vigil-sensor build/afpacket");

        try (PrivateContainerd containerd = PrivateContainerd.startForPods(
                List.of(sensorDir.resolve("build/afpacket")), 65533)) {
            importImages(containerd, jar, sensorDir.resolve("build/vigil-sensor"), jlink);
            String rendered = render(Map.of("runtime.containerd.socket", containerd.socket().toString(),
                "clusterName", "pod-it"));
            Path host = Files.createDirectories(dir.resolve("host"));
            PodSpecToCri.Node node = new PodSpecToCri.Node("node-it", Files.createDirectories(dir.resolve("volumes")),
                Files.createDirectories(dir.resolve("logs")),
                Map.of("/var/lib/vigil", host.resolve("var/lib/vigil"), "/run/crio", host.resolve("run/crio")));
            String uid = UUID.randomUUID().toString();
            PodSpecToCri.Pod pod = PodSpecToCri.translate(podTemplate(rendered), configMaps(rendered), "vigil",
                "vigil-it" + uid.substring(0, 5), uid, node);
            pod.prepareVolumes();
            // The pods go (CriCreate's close) before their volumes.
            try (CriCreate cri = new CriCreate(containerd.socket())) {
                runPod(cri, pod, node, host);
            } finally {
                pod.releaseVolumes();
            }
        }
    }

    private void runPod(CriCreate cri, PodSpecToCri.Pod pod, PodSpecToCri.Node node, Path host) throws Exception {
        String podId = cri.runPodSandbox(pod.sandbox());
        // Twice, as after a node's restart: the second run finds the directories already the agent's.
        for (int attempt = 0; attempt < 2; attempt++) {
            for (PodSpecToCri.Container init : pod.initContainers()) {
                CriCreateApi.ContainerConfig config = init.config().toBuilder()
                    .setMetadata(Cri.ContainerMetadata.newBuilder().setName(init.name()).setAttempt(attempt))
                    .setLogPath(init.name() + "/" + attempt + ".log").build();
                String id = cri.createContainer(podId, pod.sandbox(), config);
                cri.startContainer(id);
                Cri.ContainerStatus s = awaitExit(cri, id);
                assertEquals(0, s.getExitCode(), "init container " + init.name() + ", run " + (attempt + 1) + ": "
                    + Files.readString(node.logDirectory().resolve(config.getLogPath())));
            }
        }
        // The init container (root, CHOWN alone) handed the state directory to the agent's uid, private.
        for (Path d : List.of(host.resolve("var/lib/vigil"), host.resolve("var/lib/vigil/spool"))) {
            assertEquals("65532", Files.getAttribute(d, "unix:uid").toString(), d.toString());
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)), d.toString());
        }
        Map<String, String> ids = new LinkedHashMap<>();
        for (PodSpecToCri.Container c : pod.containers()) {
            String id = cri.createContainer(podId, pod.sandbox(), c.config());
            cri.startContainer(id);
            ids.put(c.name(), id);
        }
        JsonNode agentInfo = info(cri, ids.get("agent"));
        long agentPid = agentInfo.path("pid").asLong();

        // The kubelet's probes: startup until it passes (within period x threshold), then liveness and readiness.
        for (String kind : List.of("startup", "liveness", "readiness")) {
            for (PodSpecToCri.Probe p : pod.probes()) {
                if (p.kind().equals(kind)) {
                    int tries = kind.equals("startup") ? p.failureThreshold() : 1;
                    awaitProbe(p, agentPid, tries, node);
                }
            }
        }
        String metrics = httpGet(agentPid, 9376, "/metrics", 5).body;
        assertTrue(metrics.contains("vigil_runtime_up{runtime=\"containerd\"} 1.0"),
            "the agent reaches containerd's socket through the pod's supplementalGroups:\n" + grep(metrics, "runtime_up"));

        // The sensor attaches with CAP_BPF and CAP_PERFMON alone.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!log(node, "sensor").contains("vigil-sensor: running")) {
            assertTrue(System.nanoTime() < deadline, "the sensor never attached:\n" + log(node, "sensor")
                + "\nagent:\n" + log(node, "agent"));
            Thread.sleep(300);
        }

        // What the processes really hold.
        Map<String, String> agent = status(agentPid);
        assertEquals("65532\t65532\t65532\t65532", agent.get("Uid"), "agent uid");
        assertEquals("65532\t65532\t65532\t65532", agent.get("Gid"), "agent gid");
        assertTrue(List.of(agent.get("Groups").trim().split("\\s+")).containsAll(List.of("65532", "65533")),
            "fsGroup and supplementalGroups: " + agent.get("Groups"));
        for (String set : List.of("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")) {
            assertEquals(0L, Long.parseUnsignedLong(agent.get(set), 16), "agent " + set);
        }
        assertEquals("1", agent.get("NoNewPrivs"), "agent no_new_privs");
        assertEquals("2", agent.get("Seccomp"), "agent seccomp filter");
        assertTrue(rootIsReadOnly(agentPid), "agent's root file system is read-only");
        JsonNode agentSpec = agentInfo.path("runtimeSpec");
        assertEquals(448L << 20, agentSpec.path("linux").path("resources").path("memory").path("limit").asLong(),
            "agent memory limit");

        JsonNode sensorInfo = info(cri, ids.get("sensor"));
        Map<String, String> sensor = status(sensorInfo.path("pid").asLong());
        assertEquals("0\t0\t0\t0", sensor.get("Uid"), "sensor uid");
        for (String set : List.of("CapPrm", "CapEff", "CapBnd")) {
            assertEquals(CAP_BPF | CAP_PERFMON, Long.parseUnsignedLong(sensor.get(set), 16),
                "sensor " + set + ": CAP_BPF and CAP_PERFMON, nothing else");
        }
        assertEquals("1", sensor.get("NoNewPrivs"), "sensor no_new_privs");
        assertEquals("2", sensor.get("Seccomp"), "sensor seccomp filter");
        // Not privileged: a privileged container's bounding set holds every capability (checked above, on the
        // process); the OCI spec containerd made says the same.
        JsonNode sensorSpec = sensorInfo.path("runtimeSpec");
        List<String> bounding = new ArrayList<>();
        sensorSpec.path("process").path("capabilities").path("bounding").forEach(c -> bounding.add(c.asText()));
        assertEquals(List.of("CAP_BPF", "CAP_PERFMON"), bounding.stream().sorted().toList(), sensorSpec.toString());
        assertTrue(sensorSpec.path("root").path("readonly").asBoolean(), "sensor's root is read-only");

        // A neighbour pod opens a packet socket.
        String nUid = UUID.randomUUID().toString();
        var neighbour = CriCreate.pod("shop-6f7d", "payments", nUid, Map.of("app", "shop"),
            "/kubepods/besteffort/pod" + nUid);
        String nPod = cri.runPodSandbox(neighbour);
        String nId = cri.createContainer(nPod, neighbour, "cart", PrivateContainerd.IMAGE, Map.of(),
            List.of("/bin/sh", "-c", "sleep 2; exec /bin/afpacket"));
        cri.startContainer(nId);
        JsonNode alert = awaitAlert(node, nId.substring(0, 12));
        JsonNode f = alert.path("output_fields");
        assertEquals("registry.example/vigil/probe", f.path("container.image.repository").asText(), alert.toString());
        assertEquals("cart", f.path("container.name").asText(), alert.toString());
        assertEquals("shop-6f7d", f.path("k8s.pod.name").asText(), alert.toString());
        assertEquals("payments", f.path("k8s.ns.name").asText(), alert.toString());
        assertEquals("pod-it", f.path("k8s.cluster.name").asText(), alert.toString());
        assertEquals("node-it", f.path("k8s.node.name").asText(), "NODE_NAME from spec.nodeName: " + alert);
        String agentLog = log(node, "agent");
        assertFalse(agentLog.contains("Exception"), "no exception in the agent's log:\n" + agentLog);
    }

    private void importImages(PrivateContainerd containerd, Path jar, Path sensorBinary, Path jlink) throws Exception {
        Path dockerfile = Repo.root().resolve("Dockerfile");
        Path jre = dir.resolve("jre");
        exec(List.of(jlink.toString(), "--add-modules",
            "java.se,jdk.unsupported,jdk.crypto.ec,jdk.zipfs,jdk.management,jdk.net,jdk.httpserver,jdk.naming.dns",
            "--strip-debug", "--no-man-pages", "--no-header-files", "--output", jre.toString()));
        OfflineImage agent = new OfflineImage(dir.resolve("agent-rootfs"))
            .copy(jre, "/opt/java")
            .copy(jar, "/opt/vigil/vigil.jar")
            .copy(Path.of("/bin/busybox"), "/bin/busybox")
            .file("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nvigil:x:65532:65532::/nonexistent:/usr/sbin/nologin\n")
            .file("/etc/group", "root:x:0:\nvigil:x:65532:\n")
            .directory("/tmp", "rwxrwxrwx")
            .directory("/etc/vigil", "rwxr-xr-x")
            .directory("/run/vigil", "rwxr-x---")
            .directory("/var/lib/vigil", "rwxr-x---");
        for (Path so : jniLibraries(jar)) {
            agent.needsLibrariesOf(so);
        }
        agent.withSharedLibraries();
        for (String applet : List.of("sh", "mkdir", "chown", "chmod")) {
            agent.symlink("/bin/" + applet, "busybox");
        }
        OfflineImage sensor = new OfflineImage(dir.resolve("sensor-rootfs"))
            .copy(sensorBinary, "/opt/vigil/vigil-sensor")
            .directory("/run/vigil", "rwxr-xr-x")
            .withSharedLibraries();
        Path agentTar = agent.archive(dir.resolve("agent.tar"), List.of("docker.io/library/vigil-agent:latest"),
            DockerfileStage.config(dockerfile, "agent"));
        Path sensorTar = sensor.archive(dir.resolve("sensor.tar"), List.of("docker.io/library/vigil-sensor:latest"),
            DockerfileStage.config(dockerfile, "sensor"));
        containerd.ctr("k8s.io", "images", "import", agentTar.toString());
        containerd.ctr("k8s.io", "images", "import", sensorTar.toString());
    }

    /** The jar's JNI libraries for this machine (Netty's epoll, JNA, Kafka's compressors), extracted. */
    private List<Path> jniLibraries(Path jar) throws IOException {
        Path out = Files.createDirectories(dir.resolve("jni"));
        List<Path> libs = new ArrayList<>();
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            for (var e : java.util.Collections.list(zip.entries())) {
                String n = e.getName();
                if (n.endsWith(".so") && n.matches("(?i).*(linux[-/](x86-64|amd64|x86_64)/|native/lib[a-z_]*x86_64\\.so$).*")) {
                    Path to = out.resolve(libs.size() + "-" + Path.of(n).getFileName());
                    try (var in = zip.getInputStream(e)) {
                        Files.copy(in, to);
                    }
                    libs.add(to);
                }
            }
        }
        assertTrue(libs.size() >= 2, "Netty's epoll libraries in " + jar + ": " + libs);
        return libs;
    }

    private static String render(Map<String, Object> set) {
        TemplateCommand t = new Helm(CHART).template().withName("vigil").withNamespace("vigil");
        for (Map.Entry<String, Object> e : set.entrySet()) {
            t = t.set(e.getKey(), e.getValue());
        }
        return t.call();
    }

    private static List<JsonNode> documents(String rendered) throws IOException {
        YAMLMapper yaml = new YAMLMapper();
        List<JsonNode> docs = new ArrayList<>();
        try (var it = yaml.readValues(yaml.createParser(rendered), JsonNode.class)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (d != null && !d.isNull() && !d.isMissingNode()) {
                    docs.add(d);
                }
            }
        }
        return docs;
    }

    private static JsonNode podTemplate(String rendered) throws IOException {
        return documents(rendered).stream().filter(d -> d.path("kind").asText().equals("DaemonSet")).findFirst()
            .orElseThrow().path("spec").path("template");
    }

    private static Map<String, JsonNode> configMaps(String rendered) throws IOException {
        Map<String, JsonNode> maps = new LinkedHashMap<>();
        for (JsonNode d : documents(rendered)) {
            if (d.path("kind").asText().equals("ConfigMap")) {
                maps.put(d.path("metadata").path("name").asText(), d.path("data"));
            }
        }
        return maps;
    }

    private static Cri.ContainerStatus awaitExit(CriCreate cri, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            Cri.ContainerStatus s = cri.containerStatus(id).getStatus();
            if (s.getState() == Cri.ContainerState.CONTAINER_EXITED) {
                return s;
            }
            assertTrue(System.nanoTime() < deadline, "init container still " + s.getState());
            Thread.sleep(200);
        }
    }

    private static JsonNode info(CriCreate cri, String id) throws IOException {
        return JSON.readTree(cri.containerStatus(id).getInfoOrThrow("info"));
    }

    private void awaitProbe(PodSpecToCri.Probe p, long pid, int tries, PodSpecToCri.Node node) throws Exception {
        Http last = null;
        for (int i = 0; i < tries; i++) {
            last = httpGet(pid, p.port(), p.path(), p.timeoutSeconds());
            if (last.code >= 200 && last.code < 400) {
                return;
            }
            Thread.sleep(p.periodSeconds() * 1000L);
        }
        throw new AssertionError(p + " failed " + tries + " times, last: " + last + "\nagent log:\n" + log(node, "agent"));
    }

    private record Http(int code, String body) {
    }

    /** An HTTP GET from inside the pod's network namespace (where the kubelet would use the pod's IP). */
    private static Http httpGet(long pid, int port, String path, int timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder("nsenter", "--net=/proc/" + pid + "/ns/net", "curl", "-sS", "-m",
            String.valueOf(timeoutSeconds), "-w", "\n%{http_code}", "http://127.0.0.1:" + port + path)
            .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(timeoutSeconds + 10L, TimeUnit.SECONDS);
        int nl = out.lastIndexOf('\n');
        int code;
        try {
            code = Integer.parseInt(out.substring(nl + 1).trim());
        } catch (NumberFormatException e) {
            code = 0;
        }
        return new Http(code, nl > 0 ? out.substring(0, nl) : out);
    }

    private static Map<String, String> status(long pid) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            int c = line.indexOf(':');
            m.put(line.substring(0, c), line.substring(c + 1).trim());
        }
        return m;
    }

    private static boolean rootIsReadOnly(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo"))) {
            String[] f = line.split(" ");
            if (f[4].equals("/")) {
                return List.of(f[5].split(",")).contains("ro");
            }
        }
        throw new AssertionError("no / in the mountinfo of " + pid);
    }

    /** A container's log as containerd's CRI writes it ({@code TIME STREAM P|F TEXT}), as text. */
    private static String log(PodSpecToCri.Node node, String container) throws IOException {
        Path file = node.logDirectory().resolve(container).resolve("0.log");
        if (!Files.exists(file)) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (String line : Files.readAllLines(file)) {
            String[] f = line.split(" ", 4);
            if (f.length == 4) {
                sb.append(f[3]);
                if (f[2].equals("F")) {
                    sb.append('\n');
                }
            }
        }
        return sb.toString();
    }

    private static JsonNode awaitAlert(PodSpecToCri.Node node, String containerId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            for (String line : log(node, "agent").lines().toList()) {
                if (line.startsWith("{\"uuid\"")) {
                    JsonNode a = JSON.readTree(line);
                    if (a.path("rule").asText().equals(RULE)
                        && a.path("output_fields").path("container.id").asText().equals(containerId)) {
                        return a;
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no '" + RULE + "' alert for " + containerId + " within 30 s; agent log:\n"
                    + log(node, "agent"));
            }
            Thread.sleep(300);
        }
    }

    private static String grep(String text, String word) {
        return String.join("\n", text.lines().filter(l -> l.contains(word)).toList());
    }

    private static void exec(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException(cmd + " failed: " + out);
        }
    }
}
