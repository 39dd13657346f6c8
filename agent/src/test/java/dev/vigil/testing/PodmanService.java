package dev.vigil.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Podman API service ({@code podman system service}, Debian's podman 4.3.1) for integration
 * tests, with its own storage ({@code --root}, {@code --runroot}, {@code --tmpdir}) under a temporary
 * directory, the cgroupfs manager, runc (crun refuses this host's hybrid cgroups) and the file events
 * backend (no systemd journal here); the CLI shares the storage, so the service sees what it runs.
 * Containers run with {@code --network none} and the two {@code --ulimit}s without which runc cannot
 * set RLIMIT_NOFILE/NPROC here.
 *
 * <p>Use {@link #start()}: it returns the service with {@link ContainerEngine#IMAGE} imported, or
 * throws with the service's log tail. Not thread-safe.
 */
public final class PodmanService extends ContainerEngine {
    private static final long START_SECONDS = 60;
    private final Path socket;
    private final Path log;
    private Process service;

    private PodmanService() throws IOException {
        super("vigil-pm", "libpod_parent");
        this.socket = dir.resolve("p.sock");
        this.log = dir.resolve("service.log");
    }

    /** Null when a service can be tried here, else why not. */
    public static String unavailableReason() {
        if (!Integration.isRoot()) {
            return "root (podman with a private root)";
        }
        if (!Files.isExecutable(Path.of("/usr/bin/podman")) || !Files.isExecutable(Path.of("/usr/sbin/runc"))) {
            return "podman and runc (apt-get install podman runc)";
        }
        if (!Files.isExecutable(Path.of(BUSYBOX))) {
            return "a static busybox at " + BUSYBOX + " (apt-get install busybox-static)";
        }
        return null;
    }

    /** Imports the test image, starts the API service and waits for its socket. Cleans up and throws on failure. */
    public static PodmanService start() throws IOException {
        return start(List.of());
    }

    /** As {@link #start()}, with these static programs also in the image's {@code /bin} (by their file names). */
    public static PodmanService start(List<Path> extraBinaries) throws IOException {
        PodmanService p = new PodmanService();
        try {
            p.importImage(extraBinaries);
            p.launch();
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void launch() throws IOException {
        List<String> argv = cliArgs("system", "service", "--time=0", "unix://" + socket);
        service = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                throw new IOException("podman system service exited " + service.exitValue() + ":\n" + tail(log, 15));
            }
            if (Files.exists(socket)) {
                // As podman.socket's unit makes /run/podman/podman.sock: root:root 0660 (SocketMode=0660)
                Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw----"));
                return;
            }
            try {
                Thread.sleep(100); // polling a service's start-up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while podman's service started");
            }
        }
        throw new IOException("podman's service made no socket within " + START_SECONDS + " s:\n" + tail(log, 15));
    }

    @Override
    public String type() {
        return "podman";
    }

    @Override
    public Path socket() {
        return socket;
    }

    @Override
    protected List<String> cli() {
        return List.of("/usr/bin/podman", "--root", dir.resolve("root").toString(),
            "--runroot", dir.resolve("run").toString(), "--tmpdir", dir.resolve("tmp").toString(),
            "--cgroup-manager=cgroupfs", "--runtime", "runc", "--events-backend", "file");
    }

    @Override
    protected List<String> runFlags() {
        return List.of("--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024");
    }

    @Override
    protected void stopDaemon() {
        if (service == null) {
            return;
        }
        List<ProcessHandle> children = service.descendants().toList();
        service.destroy();
        try {
            if (!service.waitFor(20, TimeUnit.SECONDS)) {
                service.destroyForcibly();
                service.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
