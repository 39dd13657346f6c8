package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A containerd of a test's own (Debian's 1.6 here): {@code containerd --config} with a private root, state
 * and socket under a short {@code /tmp/vcd*} directory (socket path well under the 108-byte limit), its CRI
 * plugin on with a local pause-like image as {@code sandbox_image} and empty CNI directories (pods use host
 * networking, so no CNI plugin is needed), and {@code restrict_oom_score_adj} (lowering it needs
 * CAP_SYS_RESOURCE, which this VM's bounding set lacks). An image built offline — a busybox-static rootfs as a
 * docker-archive tagged {@link #IMAGE} and {@link #PAUSE_IMAGE} — is imported into {@code k8s.io} and
 * {@code default}.
 *
 * <p>{@link #close()} removes everything, also after a failed test: every task killed and deleted and every
 * container removed in both namespaces, containerd stopped, any shim it left (found by our socket in its
 * command line, killed by pid) killed, mounts under the directory unmounted, the directory deleted.
 *
 * <p>Needs root, {@code containerd}, {@code ctr}, {@code runc}, {@code containerd-shim-runc-v2} and a static
 * {@code /bin/busybox} ({@code apt-get install containerd runc busybox-static}); see {@link #unavailableReason}.
 * Not thread-safe.
 */
public final class PrivateContainerd implements AutoCloseable {
    public static final String IMAGE = "registry.example/vigil/probe:1.0";
    public static final String PAUSE_IMAGE = "registry.example/vigil/pause:1.0";
    public static final List<String> NAMESPACES = List.of("k8s.io", "default");
    private static final String BUSYBOX = "/bin/busybox";
    private static final long TIMEOUT_SECONDS = 30;

    private final Path dir;
    private final Path socket;
    private final List<Path> extraBinaries;
    private final int socketGroup;
    private Process containerd;

    /** Null when everything is there; else what is missing (for {@link Integration#requireOrSkip}). */
    public static String unavailableReason() {
        if (!Integration.isRoot()) {
            return "root (for a private containerd)";
        }
        for (String cmd : List.of("containerd", "ctr", "runc", "containerd-shim-runc-v2", "tar")) {
            if (!Integration.onPath(cmd)) {
                return cmd + " (apt-get install containerd runc)";
            }
        }
        if (!Files.isExecutable(Path.of(BUSYBOX))) {
            return BUSYBOX + " (apt-get install busybox-static)";
        }
        return null;
    }

    private PrivateContainerd(Path dir, List<Path> extraBinaries, int socketGroup) {
        this.dir = dir;
        this.socket = dir.resolve("c.sock");
        this.extraBinaries = List.copyOf(extraBinaries);
        this.socketGroup = socketGroup;
    }

    /** Starts containerd and imports the image; on any failure cleans up what it made and throws. */
    public static PrivateContainerd start() throws IOException, InterruptedException {
        return start(List.of());
    }

    /** As {@link #start()}, with these static programs also in the image's {@code /bin} (by their file names). */
    public static PrivateContainerd start(List<Path> extraBinaries) throws IOException, InterruptedException {
        return start(extraBinaries, -1);
    }

    /**
     * As {@link #start(List)}, for pods as a node runs them: the socket owned by {@code root:socketGroup} (mode
     * 0660, {@code [grpc] gid}) in a directory others may traverse (0711), as on a node set up for Vigil's
     * identity; and pods with their own network namespace get one from the tests' own CNI plugin
     * ({@code src/test/resources/cni/vigil-dummy}: an {@code eth0} inside the pod, nothing on the host).
     */
    public static PrivateContainerd startForPods(List<Path> extraBinaries, int socketGroup)
        throws IOException, InterruptedException {
        return start(extraBinaries, socketGroup);
    }

    private static PrivateContainerd start(List<Path> extraBinaries, int socketGroup)
        throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "vcd");
        // As /run/containerd (0711): an agent that switched to an unprivileged user reaches the socket
        // through its group, after passing through the directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        PrivateContainerd c = new PrivateContainerd(dir, extraBinaries, socketGroup);
        try {
            c.boot();
            return c;
        } catch (IOException | InterruptedException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    public Path socket() {
        return socket;
    }

    public Path dir() {
        return dir;
    }

    /** containerd's v2 shim state directory: the OCI bundles live under {@code <ns>/<id>/config.json}. */
    public Path bundleRoot() {
        return dir.resolve("state").resolve("io.containerd.runtime.v2.task");
    }

    private void boot() throws IOException, InterruptedException {
        Path image = buildImage();
        Path config = dir.resolve("config.toml");
        Files.createDirectories(dir.resolve("cni/bin"));
        Files.createDirectories(dir.resolve("cni/conf"));
        if (socketGroup >= 0) {
            writeCni();
        }
        Files.writeString(config, String.join("\n",
            "version = 2",
            "root = \"" + dir.resolve("root") + "\"",
            "state = \"" + dir.resolve("state") + "\"",
            "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\","
                + " \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\"]",
            "[grpc]",
            "  address = \"" + socket + "\"",
            socketGroup >= 0 ? "  gid = " + socketGroup : "",
            "[plugins.\"io.containerd.internal.v1.opt\"]",
            "  path = \"" + dir.resolve("opt") + "\"",
            "[plugins.\"io.containerd.grpc.v1.cri\"]",
            "  sandbox_image = \"" + PAUSE_IMAGE + "\"",
            "  disable_apparmor = true",
            // This VM's bounding set lacks CAP_SYS_RESOURCE: the sandbox's oom_score_adj of -998 is refused.
            "  restrict_oom_score_adj = true",
            "  [plugins.\"io.containerd.grpc.v1.cri\".cni]",
            "    bin_dir = \"" + dir.resolve("cni/bin") + "\"",
            "    conf_dir = \"" + dir.resolve("cni/conf") + "\"",
            ""));
        containerd = new ProcessBuilder("containerd", "--config", config.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_SECONDS);
        while (true) {
            if (Files.exists(socket) && run(List.of("ctr", "-a", socket.toString(), "version")).exit == 0) {
                break;
            }
            if (!containerd.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("containerd did not come up; its log: " + log());
            }
            Thread.sleep(100);
        }
        for (String ns : NAMESPACES) {
            ctr(ns, "images", "import", image.toString());
        }
    }

    private void writeCni() throws IOException {
        for (String name : List.of("loopback", "vigil-dummy")) {
            Path plugin = dir.resolve("cni/bin").resolve(name);
            try (var in = PrivateContainerd.class.getResourceAsStream("/cni/vigil-dummy")) {
                Files.write(plugin, in.readAllBytes());
            }
            Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Files.writeString(dir.resolve("cni/conf/10-vigil-test.conflist"),
            "{\"cniVersion\":\"1.0.0\",\"name\":\"vigil-test\",\"plugins\":[{\"type\":\"vigil-dummy\"}]}\n");
    }

    /** A busybox-static rootfs wrapped as a docker-archive with both tags (the pause image sleeps too). */
    private Path buildImage() throws IOException, InterruptedException {
        Path img = dir.resolve("img");
        Path bin = img.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(Path.of(BUSYBOX), bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "cat", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (Path extra : extraBinaries) {
            Files.copy(extra, bin.resolve(extra.getFileName()));
        }
        check(run(List.of("tar", "-C", img.resolve("rootfs").toString(), "-cf", img.resolve("layer.tar").toString(), ".")));
        String layerDigest = sha256(Files.readAllBytes(img.resolve("layer.tar")));
        String configJson = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Entrypoint\":[\"/bin/sleep\","
            + "\"1000000\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + layerDigest + "\"]}}";
        String configName = sha256(configJson.getBytes(StandardCharsets.UTF_8)) + ".json";
        Files.writeString(img.resolve(configName), configJson);
        Files.writeString(img.resolve("manifest.json"), "[{\"Config\":\"" + configName + "\",\"RepoTags\":[\""
            + IMAGE + "\",\"" + PAUSE_IMAGE + "\"],\"Layers\":[\"layer.tar\"]}]");
        Path archive = dir.resolve("image.tar");
        check(run(List.of("tar", "-C", img.toString(), "-cf", archive.toString(), "manifest.json", configName,
            "layer.tar")));
        return archive;
    }

    /** Runs {@code ctr -a SOCK -n NS args…}; its output, or an exception with it. */
    public String ctr(String namespace, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ctr", "-a", socket.toString(), "-n", namespace));
        cmd.addAll(List.of(args));
        return check(run(cmd));
    }

    @Override
    public void close() {
        if (containerd != null && containerd.isAlive()) {
            for (String ns : NAMESPACES) {
                removeAll(ns);
            }
        }
        if (containerd != null) {
            containerd.destroy();
            try {
                if (!containerd.waitFor(10, TimeUnit.SECONDS)) {
                    containerd.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        killLeftoverShims();
        unmountAllUnder();
        deleteTree(dir);
    }

    private void removeAll(String ns) {
        try {
            for (String task : lines(ctr(ns, "tasks", "ls", "-q"))) {
                run(List.of("ctr", "-a", socket.toString(), "-n", ns, "tasks", "kill", "-s", "SIGKILL", task));
                run(List.of("ctr", "-a", socket.toString(), "-n", ns, "tasks", "delete", "-f", task));
            }
            for (String c : lines(ctr(ns, "containers", "ls", "-q"))) {
                run(List.of("ctr", "-a", socket.toString(), "-n", ns, "containers", "rm", c));
            }
        } catch (IOException | InterruptedException e) {
            // Best effort: containerd's own shutdown and the steps below still run.
        }
    }

    /** Shims outlive containerd by design; ours carry our socket path in their command line. */
    private void killLeftoverShims() {
        String mark = socket.toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmdline.contains(mark)) {
                        ProcessHandle.of(Long.parseLong(name)).ifPresent(ProcessHandle::destroyForcibly);
                    }
                } catch (IOException e) {
                    // The process ended meanwhile.
                }
            }
        } catch (IOException e) {
            // No /proc: nothing to do.
        }
    }

    private void unmountAllUnder() {
        try {
            List<String> mounts = new ArrayList<>();
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && f[4].startsWith(dir.toString())) {
                    mounts.add(f[4]);
                }
            }
            mounts.sort(Comparator.comparingInt(String::length).reversed());
            for (String m : mounts) {
                run(List.of("umount", "-l", m));
            }
        } catch (IOException | InterruptedException e) {
            // Leave them; deleteTree below then fails on them, visibly.
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // A busy file: reported by the leftover check of whoever looks.
                }
            });
        } catch (IOException e) {
            // As above.
        }
    }

    public String log() {
        try {
            String all = Files.readString(dir.resolve("containerd.log"));
            return all.length() > 4000 ? all.substring(all.length() - 4000) : all;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    private record Result(int exit, String output, List<String> cmd) {
    }

    private static Result run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("timed out: " + cmd);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), cmd);
    }

    private static String check(Result r) throws IOException {
        if (r.exit != 0) {
            throw new IOException(r.cmd + " exited " + r.exit + ": " + r.output);
        }
        return r.output;
    }

    private static List<String> lines(String s) {
        return s.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
    }

    private static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
