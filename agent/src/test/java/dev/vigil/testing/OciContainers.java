package dev.vigil.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.event.Capabilities;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Real containers for integration tests, started with Debian's {@code runc} from OCI bundles built
 * here: a busybox-static rootfs, a config from {@code runc spec} edited for each container, and a
 * cgroups path of {@code /docker/<64-hex id>} so that the node looks like Docker's cgroupfs layout.
 * Everything started is stopped by {@link #close()} ({@code runc delete -f}, bundles removed, cgroup
 * directories this class created removed), also when a test fails half-way.
 *
 * <p>Needs root, {@code runc} and {@code busybox-static} ({@code apt-get install runc busybox-static});
 * check {@link #unavailableReason()} first. Not thread-safe.
 */
public final class OciContainers implements AutoCloseable {
    private static final String BUSYBOX = "/bin/busybox";
    private static final Path CGROUP_ROOT = Paths.get("/sys/fs/cgroup");
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    private final Path workDir;
    private final Path runcRoot;
    private final List<Container> started = new ArrayList<>();
    /** The {@code docker} parent cgroup directories that did not exist before: removed at close. */
    private final List<Path> createdParents = new ArrayList<>();
    private final ObjectMapper json = new ObjectMapper();
    private final SecureRandom random = new SecureRandom();

    /** One container as started. */
    public record Container(String name, String fullId, String shortId, int pid, Path bundle) {
        public String cgroupPath() {
            return "/docker/" + fullId;
        }
    }

    /** What to start: capabilities (all five sets), an optional pids limit, and the process's argv. */
    public static final class Spec {
        long capabilities = Capabilities.DOCKER_DEFAULT;
        Long pidsLimit;
        List<String> args = List.of("/bin/sleep", "300");
        java.util.function.Consumer<ObjectNode> edit = root -> { };

        /** Edits the OCI config (namespaces, mounts, seccomp, user mappings) after the rest is written. */
        public Spec edit(java.util.function.Consumer<ObjectNode> edit) {
            this.edit = edit;
            return this;
        }

        public Spec capabilities(long mask) {
            this.capabilities = mask;
            return this;
        }

        public Spec pidsLimit(long limit) {
            this.pidsLimit = limit;
            return this;
        }

        public Spec args(String... argv) {
            this.args = List.of(argv);
            return this;
        }
    }

    /** Null when containers can be started here, else why not. */
    public static String unavailableReason() {
        if (!System.getProperty("os.name", "").toLowerCase().contains("linux")) {
            return "not Linux";
        }
        if (!"0".equals(run(List.of("id", "-u")).trim())) {
            return "not root (runc needs root to create cgroups and namespaces)";
        }
        if (findRunc() == null) {
            return "runc not found (apt-get install runc)";
        }
        if (!isStaticBusybox()) {
            return "static busybox not found at " + BUSYBOX + " (apt-get install busybox-static)";
        }
        return null;
    }

    private static String findRunc() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            Path p = Paths.get(dir, "runc");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        for (String p : new String[] {"/usr/sbin/runc", "/usr/bin/runc"}) {
            if (Files.isExecutable(Paths.get(p))) {
                return p;
            }
        }
        return null;
    }

    private static boolean isStaticBusybox() {
        if (!Files.isExecutable(Paths.get(BUSYBOX))) {
            return false;
        }
        String ldd = run(List.of("sh", "-c", "ldd " + BUSYBOX + " 2>&1 || true"));
        return ldd.contains("not a dynamic executable") || ldd.contains("statically linked");
    }

    public OciContainers(Path workDir) throws IOException {
        this.workDir = workDir;
        this.runcRoot = workDir.resolve("runc-state");
        Files.createDirectories(runcRoot);
    }

    /** Starts a detached container and returns it once runc reports it running. */
    public Container start(String label, Spec spec) throws IOException {
        String fullId = HexFormat.of().formatHex(randomBytes(32));
        String name = "vigil-it-" + label + "-" + fullId.substring(0, 8);
        Path bundle = workDir.resolve(name);
        Path bin = bundle.resolve("rootfs/bin");
        Files.createDirectories(bin);
        Files.copy(Paths.get(BUSYBOX), bin.resolve("busybox"));
        for (String applet : new String[] {"sh", "sleep", "seq"}) {
            Files.createSymbolicLink(bin.resolve(applet), Paths.get("busybox"));
        }
        check(runIn(bundle, List.of(findRunc(), "spec")), "runc spec");
        writeConfig(bundle.resolve("config.json"), fullId, spec);
        rememberParents();

        Container c = new Container(name, fullId, fullId.substring(0, 12), 0, bundle);
        started.add(c); // before run: close() deletes it even if run fails half-way
        File log = bundle.resolve("container.log").toFile();
        ProcessBuilder pb = new ProcessBuilder(findRunc(), "--root", runcRoot.toString(), "run", "-d",
            "--bundle", bundle.toString(), name)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(log)
            .redirectError(log);
        int rc = waitFor(pb);
        if (rc != 0) {
            throw new IOException("runc run " + name + " failed (" + rc + "): "
                + Files.readString(log.toPath(), StandardCharsets.UTF_8));
        }
        String state = run(List.of(findRunc(), "--root", runcRoot.toString(), "state", name));
        int pid = json.readTree(state).path("pid").asInt(0);
        if (pid <= 0) {
            throw new IOException("runc state " + name + " gave no pid: " + state);
        }
        Container running = new Container(name, fullId, c.shortId(), pid, bundle);
        started.set(started.size() - 1, running);
        return running;
    }

    /**
     * Starts a command inside a container ({@code runc exec -d}: it does not wait for the command);
     * returns runc's exit code. Output goes to {@code exec.log} in the bundle.
     */
    public int exec(Container c, String... argv) throws IOException {
        return exec(c, List.of(), argv);
    }

    /** As {@link #exec(Container, String...)}, with {@code runc exec} options (e.g. {@code --cap CAP_SYS_ADMIN}). */
    public int exec(Container c, List<String> options, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(findRunc(), "--root", runcRoot.toString(), "exec", "-d"));
        cmd.addAll(options);
        cmd.add(c.name());
        cmd.addAll(List.of(argv));
        File log = c.bundle().resolve("exec.log").toFile();
        return waitFor(new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
            .redirectError(ProcessBuilder.Redirect.appendTo(log)));
    }

    private void writeConfig(Path config, String fullId, Spec spec) throws IOException {
        ObjectNode root = (ObjectNode) json.readTree(config.toFile());
        ObjectNode process = (ObjectNode) root.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        spec.args.forEach(args::add);
        ObjectNode caps = process.putObject("capabilities");
        for (String set : new String[] {"bounding", "effective", "permitted", "inheritable", "ambient"}) {
            ArrayNode names = caps.putArray(set);
            for (int i = 0; i < 64; i++) {
                if ((spec.capabilities & (1L << i)) != 0) {
                    names.add(Capabilities.name(i));
                }
            }
        }
        ObjectNode linux = (ObjectNode) root.get("linux");
        linux.put("cgroupsPath", "/docker/" + fullId);
        ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        if (spec.pidsLimit != null) {
            resources.putObject("pids").put("limit", spec.pidsLimit);
        } else {
            resources.remove("pids");
        }
        spec.edit.accept(root);
        json.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), root);
    }

    private void rememberParents() throws IOException {
        if (!createdParents.isEmpty() || !Files.isDirectory(CGROUP_ROOT)) {
            return;
        }
        List<Path> parents = new ArrayList<>();
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            parents.add(CGROUP_ROOT.resolve("docker")); // pure v2
        } else {
            try (Stream<Path> controllers = Files.list(CGROUP_ROOT)) {
                controllers.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    .forEach(p -> parents.add(p.resolve("docker")));
            }
        }
        for (Path p : parents) {
            if (!Files.exists(p)) {
                createdParents.add(p);
            }
        }
    }

    @Override
    public void close() {
        List<String> problems = new ArrayList<>();
        for (Container c : started) {
            String out = run(List.of(findRunc(), "--root", runcRoot.toString(), "delete", "-f", c.name()));
            if (!out.isBlank() && !out.contains("does not exist")) {
                problems.add("runc delete " + c.name() + ": " + out.trim());
            }
            removeCgroups(c.fullId());
        }
        started.clear();
        for (Path p : createdParents) {
            try {
                Files.deleteIfExists(p); // rmdir: only when empty (another user may have made it since)
            } catch (IOException e) {
                // not empty: someone else's; leave it
            }
        }
        createdParents.clear();
        deleteTree(workDir);
        if (!problems.isEmpty()) {
            System.err.println("OciContainers.close: " + String.join("; ", problems));
        }
    }

    private static void removeCgroups(String fullId) {
        try (Stream<Path> controllers = Files.list(CGROUP_ROOT)) {
            controllers.forEach(ctrl -> {
                try {
                    Files.deleteIfExists(ctrl.resolve("docker").resolve(fullId));
                } catch (IOException e) {
                    // already removed by runc delete, or still busy
                }
            });
            Files.deleteIfExists(CGROUP_ROOT.resolve("docker").resolve(fullId));
        } catch (IOException e) {
            // no cgroup tree to clean
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temp dir
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static void check(String out, String what) throws IOException {
        if (out.startsWith("ERROR:")) {
            throw new IOException(what + " failed: " + out);
        }
    }

    private static String runIn(Path dir, List<String> cmd) {
        return run(new ProcessBuilder(cmd).directory(dir.toFile()));
    }

    private static String run(List<String> cmd) {
        return run(new ProcessBuilder(cmd));
    }

    /** Runs a short command; returns stdout+stderr, or "ERROR: …" when it failed to run or exited non-zero. */
    private static String run(ProcessBuilder pb) {
        try {
            Process p = pb.redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "ERROR: timed out: " + String.join(" ", pb.command());
            }
            return p.exitValue() == 0 ? out : "ERROR: exit " + p.exitValue() + ": " + out;
        } catch (IOException e) {
            return "ERROR: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "ERROR: interrupted";
        }
    }

    private static int waitFor(ProcessBuilder pb) throws IOException {
        Process p = pb.start();
        try {
            if (!p.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + String.join(" ", pb.command()));
            }
            return p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", pb.command()), e);
        }
    }
}
