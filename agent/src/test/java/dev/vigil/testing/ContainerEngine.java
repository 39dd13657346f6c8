package dev.vigil.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A private Docker-API container engine for integration tests (Docker's {@code dockerd} or Podman's API
 * service): its own storage under a temporary directory, its API on a Unix socket there, the test image
 * {@value #IMAGE} imported offline from a busybox-static rootfs. {@link #close()} removes every
 * container, stops the daemon, unmounts what it left mounted below its directory, removes the
 * directory and the cgroup parents it created; also after a failed start.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
public abstract class ContainerEngine implements AutoCloseable {
    /** The image every test container runs: a reference with a registry, a path and a tag. */
    public static final String IMAGE = "registry.example/vigil/probe:1.0";
    static final String BUSYBOX = "/bin/busybox";
    static final Path CGROUP_ROOT = Path.of("/sys/fs/cgroup");
    static final long COMMAND_SECONDS = 60;

    protected final Path dir;
    private final List<Path> createdCgroupParents = new ArrayList<>();

    protected ContainerEngine(String prefix, String cgroupParent) throws IOException {
        // Short: a Unix socket path must stay under 108 bytes.
        this.dir = Files.createTempDirectory(Path.of("/tmp"), prefix);
        // As /run (0711 on the way to a runtime's socket): an agent that switched to an unprivileged user
        // reaches the engine's socket through the socket's group, after passing through this directory.
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        for (Path parent : cgroupParents(cgroupParent)) {
            if (!Files.exists(parent)) {
                createdCgroupParents.add(parent);
            }
        }
    }

    /** {@code docker} or {@code podman}: the API client's name and {@code container.type}. */
    public abstract String type();

    /** The API's Unix socket. */
    public abstract Path socket();

    /** The CLI's argv prefix (binary and global flags) for this private engine. */
    protected abstract List<String> cli();

    /** Flags {@code run} needs on this machine besides the test's own. */
    protected List<String> runFlags() {
        return List.of("--network", "none");
    }

    /** Stops the daemon process(es) this engine started. */
    protected abstract void stopDaemon();

    /** Runs {@code /bin/sleep 300} from {@link #IMAGE} detached; returns the full id. */
    public String run(String name, String... flags) throws IOException {
        return container("run", name, List.of(flags), List.of("/bin/sleep", "300"));
    }

    /**
     * Runs {@code command} from {@link #IMAGE} detached (the engine's {@link #runFlags()} and {@code flags}
     * added); returns the full id. The container stays after it exits, until {@link #close()}.
     */
    public String runCommand(String name, List<String> flags, String... command) throws IOException {
        return container("run", name, flags, List.of(command));
    }

    /** Creates (does not start) a container from {@link #IMAGE}; returns the full id. */
    public String create(String name, String... flags) throws IOException {
        return container("create", name, List.of(flags), List.of("/bin/sleep", "300"));
    }

    public void remove(String name) throws IOException {
        cli("rm", "-f", name);
    }

    /** The image's {@code RepoDigests} as the engine's own CLI prints them, one per line. */
    public List<String> repoDigests() throws IOException {
        String out = cli("image", "inspect", "--format", "{{range .RepoDigests}}{{println .}}{{end}}", IMAGE);
        return out.isBlank() ? List.of() : List.of(out.strip().split("\n"));
    }

    /** Runs the engine's CLI with {@code args}; returns its output, throws when it fails. */
    public String cli(String... args) throws IOException {
        List<String> argv = new ArrayList<>(cli());
        argv.addAll(List.of(args));
        return Command.run(argv, COMMAND_SECONDS).orThrow(argv);
    }

    /**
     * Imports {@link #IMAGE} from a rootfs tarball of busybox-static and its applets, plus {@code extraBinaries}
     * (static programs) in its {@code /bin} by their file names.
     */
    protected void importImage(List<Path> extraBinaries) throws IOException {
        Path rootfs = dir.resolve("rootfs");
        Path bin = Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of(BUSYBOX), bin.resolve("busybox"));
        for (String applet : List.of("sh", "sleep", "true")) {
            Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
        }
        for (Path extra : extraBinaries) {
            Files.copy(extra, bin.resolve(extra.getFileName()));
        }
        Path tar = dir.resolve("rootfs.tar");
        List<String> argv = List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".");
        Command.run(argv, COMMAND_SECONDS).orThrow(argv);
        cli("import", tar.toString(), IMAGE);
    }

    /** The last {@code lines} lines of a log file, for a skip or failure message. */
    protected static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        String ids = Command.run(cliArgs("ps", "-a", "-q", "--no-trunc"), COMMAND_SECONDS).output().strip();
        if (!ids.isEmpty() && !ids.contains(" ")) {
            List<String> rm = cliArgs("rm", "-f");
            rm.addAll(List.of(ids.split("\n")));
            Command.run(rm, COMMAND_SECONDS);
        }
        stopDaemon();
        unmountBelow(dir);
        deleteTree(dir);
        for (Path p : createdCgroupParents) {
            removeEmptyCgroups(p);
        }
    }

    protected List<String> cliArgs(String... args) {
        List<String> argv = new ArrayList<>(cli());
        argv.addAll(List.of(args));
        return argv;
    }

    private String container(String verb, String name, List<String> flags, List<String> command) throws IOException {
        List<String> args = new ArrayList<>(List.of(verb, "--name", name));
        args.addAll(runFlags());
        if (verb.equals("run")) {
            args.add("-d");
        }
        args.addAll(flags);
        args.add(IMAGE);
        args.addAll(command);
        String out = cli(args.toArray(String[]::new));
        String[] lines = out.split("\n");
        return lines[lines.length - 1].strip();
    }

    private static List<Path> cgroupParents(String name) {
        List<Path> parents = new ArrayList<>();
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            parents.add(CGROUP_ROOT.resolve(name));
            return parents;
        }
        try (Stream<Path> controllers = Files.list(CGROUP_ROOT)) {
            controllers.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                .forEach(p -> parents.add(p.resolve(name)));
        } catch (IOException e) {
            // no cgroup tree: nothing to clean
        }
        return parents;
    }

    /**
     * Removes a cgroup directory and the directories below it (Podman leaves {@code conmon} there),
     * deepest first; rmdir fails on a cgroup with processes, so another user's live cgroup stays.
     */
    private static void removeEmptyCgroups(Path parent) {
        if (!Files.isDirectory(parent, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(parent)) {
            all.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                .sorted(Comparator.reverseOrder())
                .forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException e) {
                        // busy: still has processes
                    }
                });
        } catch (IOException e) {
            // gone meanwhile
        }
    }

    /** Unmounts, deepest first, every mount point at or below {@code root} (overlays, shm, netns). */
    private static void unmountBelow(Path root) {
        List<String> points = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String point = line.split(" ")[4].replace("\\040", " ");
                if (point.equals(root.toString()) || point.startsWith(root + "/")) {
                    points.add(point);
                }
            }
        } catch (IOException e) {
            return;
        }
        points.sort(Comparator.comparingInt(String::length).reversed());
        for (String p : points) {
            Command.run(List.of("umount", "-l", p), 30);
        }
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(root)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort: a temporary directory
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
