package dev.vigil.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.runtime.api.Cri;
import dev.vigil.testing.api.CriCreateApi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A rendered pod template (a DaemonSet's {@code spec.template}) turned into the CRI requests a kubelet would
 * make for it: the sandbox (namespaces, pod security context, cgroup parent by QoS class, labels), each
 * container's config (command, args, env, mounts, resources, security context: user, group, supplementary
 * groups with fsGroup, capabilities, no_new_privs, read-only root, seccomp) and its volumes on the node
 * (configMap files, emptyDirs, hostPaths), with the probes the kubelet would run.
 *
 * <p>Only the fields Vigil's manifests use are translated. Any other field fails with
 * {@link UntranslatedField}, so that a test never runs a pod weaker than the manifest without noticing. Fields
 * that only the scheduler or the API server acts on (tolerations, priority, affinity...) are named and skipped.
 */
public final class PodSpecToCri {
    /** Kubernetes's {@code /kubepods} cgroupfs layout, as the kubelet's cgroupfs driver makes it. */
    private static final String KUBEPODS = "/kubepods";
    private static final long CPU_PERIOD = 100_000;

    /** A pod spec field this translation does not make into a CRI request. */
    public static final class UntranslatedField extends IllegalArgumentException {
        UntranslatedField(String field) {
            super("pod spec field " + field + " is not translated to the CRI: the pod run would differ from the manifest");
        }
    }

    /**
     * What the node gives the pod.
     *
     * @param name          the node's name ({@code spec.nodeName})
     * @param volumeRoot    where the pod's configMap and emptyDir volumes are made
     * @param logDirectory  the pod's log directory (each container logs to {@code <name>/0.log} in it)
     * @param hostPathMoves hostPath paths this node has elsewhere (a test's own directory for {@code /var/lib/vigil}):
     *                      the one liberty taken with the manifest, listed by the caller
     */
    public record Node(String name, Path volumeRoot, Path logDirectory, Map<String, Path> hostPathMoves) {
    }

    /** A probe the kubelet runs: {@code kind} startup, liveness or readiness; an HTTP GET of {@code path}. */
    public record Probe(String container, String kind, String path, int port, int periodSeconds, int failureThreshold,
                        int timeoutSeconds) {
    }

    public record Container(String name, CriCreateApi.ContainerConfig config) {
    }

    /** A volume as the node holds it: made by {@link Pod#prepareVolumes()}. */
    public record Volume(String name, String kind, Path hostPath, String hostPathType, boolean readOnlyAlways,
                         Map<String, Map.Entry<String, Integer>> files, long tmpfsBytes, int group) {
    }

    public record Pod(CriCreateApi.PodSandboxConfig sandbox, List<Container> initContainers, List<Container> containers,
                      List<Probe> probes, List<Volume> volumes, int terminationGraceSeconds) {
        /**
         * Makes the volumes on the node as the kubelet does: configMap files with their modes, group-owned by
         * fsGroup; emptyDirs mode 2777 root:fsGroup (a Memory medium as a tmpfs of its sizeLimit); hostPaths
         * checked ({@code Directory}) or created ({@code DirectoryOrCreate}, 0755).
         */
        public void prepareVolumes() throws IOException, InterruptedException {
            for (Volume v : volumes) {
                switch (v.kind) {
                    case "configMap" -> {
                        Files.createDirectories(v.hostPath);
                        for (var f : v.files.entrySet()) {
                            Path file = v.hostPath.resolve(f.getKey());
                            Files.createDirectories(file.getParent());
                            Files.writeString(file, f.getValue().getKey());
                            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode(f.getValue().getValue())));
                            if (v.group >= 0) {
                                exec("chgrp", String.valueOf(v.group), file.toString());
                            }
                        }
                    }
                    case "emptyDir" -> {
                        Files.createDirectories(v.hostPath);
                        if (v.tmpfsBytes > 0) {
                            exec("mount", "-t", "tmpfs", "-o", "size=" + v.tmpfsBytes, "tmpfs", v.hostPath.toString());
                        }
                        if (v.group >= 0) {
                            exec("chgrp", String.valueOf(v.group), v.hostPath.toString());
                        }
                        exec("chmod", "2777", v.hostPath.toString());
                    }
                    case "hostPath" -> {
                        if (v.hostPathType.equals("DirectoryOrCreate") && !Files.exists(v.hostPath)) {
                            Files.createDirectories(v.hostPath);
                            Files.setPosixFilePermissions(v.hostPath, PosixFilePermissions.fromString("rwxr-xr-x"));
                        }
                        if (!Files.isDirectory(v.hostPath)) {
                            throw new IOException("hostPath " + v.hostPath + " of type " + v.hostPathType
                                + " is not a directory: the kubelet would not start the pod");
                        }
                    }
                    default -> throw new IllegalStateException(v.kind);
                }
            }
        }

        /** Unmounts the tmpfs emptyDirs. */
        public void releaseVolumes() throws IOException, InterruptedException {
            for (Volume v : volumes) {
                if (v.tmpfsBytes > 0) {
                    exec("umount", "-l", v.hostPath.toString());
                }
            }
        }

        public Container container(String name) {
            return containers.stream().filter(c -> c.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no container " + name));
        }
    }

    private PodSpecToCri() {
    }

    /**
     * @param template   the pod template (with {@code metadata} and {@code spec})
     * @param configMaps rendered ConfigMaps by name (their {@code data})
     */
    public static Pod translate(JsonNode template, Map<String, JsonNode> configMaps, String namespace, String podName,
                                String uid, Node node) {
        only(template, "template", "metadata", "spec");
        only(template.path("metadata"), "metadata", "labels", "annotations");
        JsonNode spec = template.path("spec");
        // tolerations, nodeSelector, affinity, priorityClassName, imagePullSecrets, serviceAccountName: the
        // scheduler's and the API server's; nothing on the node changes with them.
        only(spec, "spec", "serviceAccountName", "automountServiceAccountToken", "priorityClassName", "hostPID",
            "hostNetwork", "hostIPC", "tolerations", "nodeSelector", "affinity", "imagePullSecrets",
            "terminationGracePeriodSeconds", "securityContext", "initContainers", "containers", "volumes");
        if (!spec.path("automountServiceAccountToken").isBoolean() || spec.path("automountServiceAccountToken").asBoolean()) {
            // The token's projected volume would be mounted in every container.
            throw new UntranslatedField("spec.automountServiceAccountToken (other than false)");
        }
        JsonNode podSc = spec.path("securityContext");
        only(podSc, "spec.securityContext", "seccompProfile", "fsGroup", "supplementalGroups", "runAsUser", "runAsGroup",
            "runAsNonRoot");
        CriCreateApi.NamespaceOption.Builder ns = CriCreateApi.NamespaceOption.newBuilder()
            .setNetwork(spec.path("hostNetwork").asBoolean() ? CriCreateApi.NamespaceMode.NODE : CriCreateApi.NamespaceMode.POD)
            .setPid(spec.path("hostPID").asBoolean() ? CriCreateApi.NamespaceMode.NODE : CriCreateApi.NamespaceMode.CONTAINER)
            .setIpc(spec.path("hostIPC").asBoolean() ? CriCreateApi.NamespaceMode.NODE : CriCreateApi.NamespaceMode.POD);
        List<Long> groups = new ArrayList<>();
        podSc.path("supplementalGroups").forEach(g -> groups.add(g.asLong()));
        int fsGroup = podSc.has("fsGroup") ? podSc.path("fsGroup").asInt() : -1;
        if (fsGroup >= 0) {
            groups.add((long) fsGroup);
        }

        Map<String, String> labels = new LinkedHashMap<>();
        template.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        labels.put("io.kubernetes.pod.name", podName);
        labels.put("io.kubernetes.pod.namespace", namespace);
        labels.put("io.kubernetes.pod.uid", uid);
        Map<String, String> annotations = new LinkedHashMap<>();
        template.path("metadata").path("annotations").fields()
            .forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));

        List<Volume> volumes = new ArrayList<>();
        for (JsonNode v : spec.path("volumes")) {
            volumes.add(volume(v, configMaps, node, fsGroup));
        }
        boolean anyPrivileged = false;
        List<Probe> probes = new ArrayList<>();
        List<Container> init = new ArrayList<>();
        List<Container> containers = new ArrayList<>();
        boolean anyResources = false;
        boolean guaranteed = true;
        for (String list : List.of("initContainers", "containers")) {
            for (JsonNode c : spec.path(list)) {
                boolean privileged = c.path("securityContext").path("privileged").asBoolean();
                anyPrivileged |= privileged;
                JsonNode res = c.path("resources");
                anyResources |= res.size() > 0;
                guaranteed &= res.path("limits").has("cpu") && res.path("limits").has("memory")
                    && (!res.has("requests") || res.path("requests").equals(res.path("limits")));
                Container made = container(c, "spec." + list, podSc, ns.build(), groups, volumes, namespace, podName, uid,
                    node, probes, labels);
                (list.equals("initContainers") ? init : containers).add(made);
            }
        }
        String qos = !anyResources ? "besteffort" : guaranteed ? "" : "burstable";
        String cgroupParent = KUBEPODS + (qos.isEmpty() ? "" : "/" + qos) + "/pod" + uid;

        CriCreateApi.LinuxSandboxSecurityContext.Builder sandboxSc = CriCreateApi.LinuxSandboxSecurityContext.newBuilder()
            .setNamespaceOptions(ns).addAllSupplementalGroups(groups).setPrivileged(anyPrivileged);
        if (podSc.has("runAsUser")) {
            sandboxSc.setRunAsUser(CriCreateApi.Int64Value.newBuilder().setValue(podSc.path("runAsUser").asLong()));
        }
        if (podSc.has("runAsGroup")) {
            sandboxSc.setRunAsGroup(CriCreateApi.Int64Value.newBuilder().setValue(podSc.path("runAsGroup").asLong()));
        }
        seccomp(podSc.path("seccompProfile"), "spec.securityContext.seccompProfile", sandboxSc::setSeccomp,
            sandboxSc::setSeccompProfilePath);
        CriCreateApi.PodSandboxConfig.Builder sandbox = CriCreateApi.PodSandboxConfig.newBuilder()
            .setMetadata(Cri.PodSandboxMetadata.newBuilder().setName(podName).setNamespace(namespace).setUid(uid))
            .setLogDirectory(node.logDirectory().toString())
            .putAllLabels(labels).putAllAnnotations(annotations)
            .setLinux(CriCreateApi.LinuxPodSandboxConfig.newBuilder().setCgroupParent(cgroupParent)
                .setSecurityContext(sandboxSc));
        if (ns.getNetwork() == CriCreateApi.NamespaceMode.POD) {
            sandbox.setHostname(podName);
        }
        return new Pod(sandbox.build(), init, containers, probes, volumes,
            spec.path("terminationGracePeriodSeconds").asInt(30));
    }

    private static Volume volume(JsonNode v, Map<String, JsonNode> configMaps, Node node, int fsGroup) {
        String name = v.path("name").asText();
        String where = "spec.volumes[" + name + "]";
        only(v, where, "name", "configMap", "emptyDir", "hostPath");
        Path dir = node.volumeRoot().resolve(name);
        if (v.has("configMap")) {
            JsonNode cm = v.path("configMap");
            only(cm, where + ".configMap", "name", "defaultMode", "items");
            JsonNode data = configMaps.get(cm.path("name").asText());
            if (data == null) {
                throw new IllegalArgumentException(where + ": no ConfigMap " + cm.path("name").asText() + " in the render");
            }
            int mode = cm.has("defaultMode") ? cm.path("defaultMode").asInt() : 0644;
            Map<String, Map.Entry<String, Integer>> files = new LinkedHashMap<>();
            if (cm.has("items")) {
                for (JsonNode item : cm.path("items")) {
                    only(item, where + ".configMap.items", "key", "path");
                    JsonNode content = data.path(item.path("key").asText());
                    if (content.isMissingNode()) {
                        throw new IllegalArgumentException(where + ": ConfigMap has no key " + item.path("key").asText());
                    }
                    files.put(item.path("path").asText(), Map.entry(content.asText(), mode));
                }
            } else {
                data.fields().forEachRemaining(e -> files.put(e.getKey(), Map.entry(e.getValue().asText(), mode)));
            }
            return new Volume(name, "configMap", dir, "", true, files, 0, fsGroup);
        }
        if (v.has("emptyDir")) {
            JsonNode ed = v.path("emptyDir");
            only(ed, where + ".emptyDir", "medium", "sizeLimit");
            String medium = ed.path("medium").asText("");
            if (!medium.isEmpty() && !medium.equals("Memory")) {
                throw new UntranslatedField(where + ".emptyDir.medium=" + medium);
            }
            long tmpfs = medium.equals("Memory") ? (ed.has("sizeLimit") ? bytes(ed.path("sizeLimit").asText()) : 1) : 0;
            return new Volume(name, "emptyDir", dir, "", false, Map.of(), tmpfs, fsGroup);
        }
        JsonNode hp = v.path("hostPath");
        only(hp, where + ".hostPath", "path", "type");
        String type = hp.path("type").asText("");
        if (!type.equals("Directory") && !type.equals("DirectoryOrCreate")) {
            throw new UntranslatedField(where + ".hostPath.type=" + type);
        }
        String path = hp.path("path").asText();
        Path host = node.hostPathMoves().getOrDefault(path, Path.of(path));
        return new Volume(name, "hostPath", host, type, false, Map.of(), 0, -1);
    }

    private static Container container(JsonNode c, String list, JsonNode podSc, CriCreateApi.NamespaceOption ns,
                                       List<Long> groups, List<Volume> volumes, String namespace, String podName,
                                       String uid, Node node, List<Probe> probes, Map<String, String> podLabels) {
        String name = c.path("name").asText();
        String where = list + "[" + name + "]";
        only(c, where, "name", "image", "imagePullPolicy", "command", "args", "env", "ports", "securityContext",
            "resources", "startupProbe", "livenessProbe", "readinessProbe", "volumeMounts");
        if (c.path("imagePullPolicy").asText("").equals("Always")) {
            throw new UntranslatedField(where + ".imagePullPolicy=Always (images are imported, not pulled)");
        }
        CriCreateApi.ContainerConfig.Builder b = CriCreateApi.ContainerConfig.newBuilder()
            .setMetadata(Cri.ContainerMetadata.newBuilder().setName(name))
            .setImage(Cri.ImageSpec.newBuilder().setImage(c.path("image").asText()))
            .setLogPath(name + "/0.log")
            .putLabels("io.kubernetes.container.name", name)
            .putLabels("io.kubernetes.pod.name", podName)
            .putLabels("io.kubernetes.pod.namespace", namespace)
            .putLabels("io.kubernetes.pod.uid", uid);
        c.path("command").forEach(a -> b.addCommand(a.asText()));
        c.path("args").forEach(a -> b.addArgs(a.asText()));
        for (JsonNode e : c.path("env")) {
            only(e, where + ".env", "name", "value", "valueFrom");
            String value = e.has("valueFrom") ? fieldRef(e.path("valueFrom"), where, namespace, podName, uid, node)
                : e.path("value").asText();
            b.addEnvs(CriCreateApi.KeyValue.newBuilder().setKey(e.path("name").asText()).setValue(value));
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (JsonNode p : c.path("ports")) {
            // Without hostPort, a kubelet passes container ports to no one: they are documentation.
            only(p, where + ".ports", "name", "containerPort", "protocol");
            ports.put(p.path("name").asText(), p.path("containerPort").asInt());
        }
        for (String kind : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
            if (c.has(kind)) {
                probes.add(probe(c.path(kind), where + "." + kind, name, kind.replace("Probe", ""), ports));
            }
        }
        Set<String> mounted = new HashSet<>();
        for (JsonNode m : c.path("volumeMounts")) {
            only(m, where + ".volumeMounts", "name", "mountPath", "readOnly");
            String vol = m.path("name").asText();
            Volume v = volumes.stream().filter(x -> x.name.equals(vol)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException(where + ": no volume " + vol));
            if (!mounted.add(m.path("mountPath").asText())) {
                throw new IllegalArgumentException(where + ": two mounts at " + m.path("mountPath").asText());
            }
            b.addMounts(CriCreateApi.Mount.newBuilder().setContainerPath(m.path("mountPath").asText())
                .setHostPath(v.hostPath.toString()).setReadonly(v.readOnlyAlways || m.path("readOnly").asBoolean()));
        }
        b.setLinux(CriCreateApi.LinuxContainerConfig.newBuilder()
            .setResources(resources(c.path("resources"), where))
            .setSecurityContext(securityContext(c.path("securityContext"), where, podSc, ns, groups)));
        return new Container(name, b.build());
    }

    private static String fieldRef(JsonNode valueFrom, String where, String namespace, String podName, String uid,
                                   Node node) {
        only(valueFrom, where + ".env.valueFrom", "fieldRef");
        only(valueFrom.path("fieldRef"), where + ".env.valueFrom.fieldRef", "fieldPath", "apiVersion");
        String path = valueFrom.path("fieldRef").path("fieldPath").asText();
        return switch (path) {
            case "spec.nodeName" -> node.name();
            case "metadata.name" -> podName;
            case "metadata.namespace" -> namespace;
            case "metadata.uid" -> uid;
            default -> throw new UntranslatedField(where + ".env.valueFrom.fieldRef.fieldPath=" + path);
        };
    }

    private static Probe probe(JsonNode p, String where, String container, String kind, Map<String, Integer> ports) {
        only(p, where, "httpGet", "periodSeconds", "failureThreshold", "timeoutSeconds", "initialDelaySeconds");
        only(p.path("httpGet"), where + ".httpGet", "path", "port");
        if (!p.has("httpGet")) {
            throw new UntranslatedField(where + " (other than httpGet)");
        }
        JsonNode port = p.path("httpGet").path("port");
        int number = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
        if (number < 0) {
            throw new IllegalArgumentException(where + ": no port named " + port.asText());
        }
        return new Probe(container, kind, p.path("httpGet").path("path").asText("/"), number,
            p.path("periodSeconds").asInt(10), p.path("failureThreshold").asInt(3), p.path("timeoutSeconds").asInt(1));
    }

    /** The kubelet's arithmetic: shares from the CPU request, CFS quota from the CPU limit, the memory limit. */
    private static CriCreateApi.LinuxContainerResources resources(JsonNode r, String where) {
        only(r, where + ".resources", "requests", "limits");
        only(r.path("requests"), where + ".resources.requests", "cpu", "memory");
        only(r.path("limits"), where + ".resources.limits", "cpu", "memory");
        CriCreateApi.LinuxContainerResources.Builder b = CriCreateApi.LinuxContainerResources.newBuilder();
        JsonNode cpuRequest = r.path("requests").has("cpu") ? r.path("requests").path("cpu") : r.path("limits").path("cpu");
        b.setCpuShares(cpuRequest.isMissingNode() ? 2 : Math.max(2, milliCpu(cpuRequest.asText()) * 1024 / 1000));
        if (r.path("limits").has("cpu")) {
            b.setCpuPeriod(CPU_PERIOD).setCpuQuota(milliCpu(r.path("limits").path("cpu").asText()) * CPU_PERIOD / 1000);
        }
        if (r.path("limits").has("memory")) {
            b.setMemoryLimitInBytes(bytes(r.path("limits").path("memory").asText()));
        }
        return b.build();
    }

    private static CriCreateApi.LinuxContainerSecurityContext securityContext(JsonNode sc, String where, JsonNode podSc,
                                                                               CriCreateApi.NamespaceOption ns,
                                                                               List<Long> groups) {
        only(sc, where + ".securityContext", "runAsUser", "runAsGroup", "runAsNonRoot", "privileged",
            "allowPrivilegeEscalation", "readOnlyRootFilesystem", "capabilities", "seccompProfile");
        only(sc.path("capabilities"), where + ".securityContext.capabilities", "add", "drop");
        CriCreateApi.LinuxContainerSecurityContext.Builder b = CriCreateApi.LinuxContainerSecurityContext.newBuilder()
            .setNamespaceOptions(ns)
            .setPrivileged(sc.path("privileged").asBoolean())
            .setReadonlyRootfs(sc.path("readOnlyRootFilesystem").asBoolean())
            // The kubelet sets no_new_privs only where allowPrivilegeEscalation is false.
            .setNoNewPrivs(sc.has("allowPrivilegeEscalation") && !sc.path("allowPrivilegeEscalation").asBoolean())
            .addAllSupplementalGroups(groups);
        CriCreateApi.Capability.Builder caps = CriCreateApi.Capability.newBuilder();
        sc.path("capabilities").path("add").forEach(x -> caps.addAddCapabilities(x.asText()));
        sc.path("capabilities").path("drop").forEach(x -> caps.addDropCapabilities(x.asText()));
        b.setCapabilities(caps);
        JsonNode user = sc.has("runAsUser") ? sc.path("runAsUser") : podSc.path("runAsUser");
        JsonNode group = sc.has("runAsGroup") ? sc.path("runAsGroup") : podSc.path("runAsGroup");
        boolean nonRoot = sc.has("runAsNonRoot") ? sc.path("runAsNonRoot").asBoolean() : podSc.path("runAsNonRoot").asBoolean();
        if (user.isMissingNode()) {
            // The image's user then: the kubelet checks runAsNonRoot against it; here the manifests always say.
            throw new UntranslatedField(where + ".securityContext without runAsUser");
        }
        if (nonRoot && user.asLong() == 0) {
            throw new IllegalArgumentException(where + ": runAsNonRoot with runAsUser 0: the kubelet refuses to start it");
        }
        b.setRunAsUser(CriCreateApi.Int64Value.newBuilder().setValue(user.asLong()));
        if (!group.isMissingNode()) {
            b.setRunAsGroup(CriCreateApi.Int64Value.newBuilder().setValue(group.asLong()));
        }
        JsonNode profile = sc.has("seccompProfile") ? sc.path("seccompProfile") : podSc.path("seccompProfile");
        seccomp(profile, where + ".securityContext.seccompProfile", b::setSeccomp, b::setSeccompProfilePath);
        return b.build();
    }

    /** RuntimeDefault or Unconfined (the kubelet's default without a profile), in both the new and the old field. */
    private static void seccomp(JsonNode profile, String where,
                                java.util.function.Consumer<CriCreateApi.SecurityProfile> set,
                                java.util.function.Consumer<String> setPath) {
        only(profile, where, "type");
        String type = profile.path("type").asText("Unconfined");
        switch (type) {
            case "RuntimeDefault" -> {
                set.accept(CriCreateApi.SecurityProfile.newBuilder()
                    .setProfileType(CriCreateApi.SecurityProfile.ProfileType.RuntimeDefault).build());
                setPath.accept("runtime/default");
            }
            case "Unconfined" -> {
                set.accept(CriCreateApi.SecurityProfile.newBuilder()
                    .setProfileType(CriCreateApi.SecurityProfile.ProfileType.Unconfined).build());
                setPath.accept("unconfined");
            }
            default -> throw new UntranslatedField(where + ".type=" + type);
        }
    }

    private static void only(JsonNode n, String where, String... keys) {
        if (n.isMissingNode() || n.isNull()) {
            return;
        }
        Set<String> allowed = Set.of(keys);
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new UntranslatedField(where + "." + k);
            }
        }
    }

    private static final Pattern QUANTITY = Pattern.compile("([0-9.]+)([A-Za-z]*)");

    static long milliCpu(String q) {
        if (q.endsWith("m")) {
            return Long.parseLong(q.substring(0, q.length() - 1));
        }
        return Math.round(Double.parseDouble(q) * 1000);
    }

    static long bytes(String q) {
        Matcher m = QUANTITY.matcher(q);
        if (!m.matches()) {
            throw new IllegalArgumentException("quantity " + q);
        }
        double n = Double.parseDouble(m.group(1));
        long unit = switch (m.group(2)) {
            case "" -> 1;
            case "k" -> 1000;
            case "M" -> 1000_000;
            case "G" -> 1000_000_000;
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            default -> throw new IllegalArgumentException("quantity unit " + q);
        };
        return (long) (n * unit);
    }

    private static String mode(int mode) {
        StringBuilder sb = new StringBuilder();
        String rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) {
            sb.append((mode & (1 << (8 - i))) != 0 ? rwx.charAt(i) : '-');
        }
        return sb.toString();
    }

    private static void exec(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
