package dev.vigil.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private Docker Engine ({@code dockerd} from Debian's {@code docker.io}) for integration tests, run
 * the way it works on this machine: no iptables, no bridge (the host's network is left alone), its
 * own data root, exec root, pid file and socket under a temporary directory; containers run with
 * {@code --network none}. dockerd starts its own containerd below the exec root and stops it on exit.
 *
 * <p>Use {@link #start()}: it returns the daemon with {@link ContainerEngine#IMAGE} imported, or throws
 * with dockerd's log tail. Not thread-safe.
 */
public final class DockerDaemon extends ContainerEngine {
    private static final long START_SECONDS = 60;
    private final Path socket;
    private final Path log;
    private Process daemon;

    private DockerDaemon() throws IOException {
        super("vigil-dk", "docker");
        this.socket = dir.resolve("d.sock");
        this.log = dir.resolve("dockerd.log");
    }

    /** Null when a daemon can be tried here, else why not. */
    public static String unavailableReason() {
        if (!Integration.isRoot()) {
            return "root (dockerd)";
        }
        if (!Files.isExecutable(Path.of("/usr/sbin/dockerd")) || !Files.isExecutable(Path.of("/usr/bin/docker"))) {
            return "dockerd and docker (apt-get install docker.io)";
        }
        if (!Files.isExecutable(Path.of(BUSYBOX))) {
            return "a static busybox at " + BUSYBOX + " (apt-get install busybox-static)";
        }
        return null;
    }

    /** Starts dockerd, waits for its API, imports the test image. Cleans up and throws on failure. */
    public static DockerDaemon start() throws IOException {
        return start(List.of());
    }

    /** As {@link #start()}, with these static programs also in the image's {@code /bin} (by their file names). */
    public static DockerDaemon start(List<Path> extraBinaries) throws IOException {
        DockerDaemon d = new DockerDaemon();
        try {
            d.launch();
            d.importImage(extraBinaries);
            return d;
        } catch (IOException | RuntimeException e) {
            d.close();
            throw e;
        }
    }

    private void launch() throws IOException {
        daemon = new ProcessBuilder("/usr/sbin/dockerd", "--iptables=false", "--ip6tables=false", "--bridge=none",
            "--data-root", dir.resolve("data").toString(), "--exec-root", dir.resolve("exec").toString(),
            "--pidfile", dir.resolve("dockerd.pid").toString(), "-H", "unix://" + socket)
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
        while (System.nanoTime() < deadline) {
            if (!daemon.isAlive()) {
                throw new IOException("dockerd exited " + daemon.exitValue() + ":\n" + tail(log, 15));
            }
            if (Files.exists(socket) && Command.run(cliArgs("version"), 10).ok()) {
                return;
            }
            try {
                Thread.sleep(200); // polling a daemon's start-up
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while dockerd started");
            }
        }
        throw new IOException("dockerd did not answer within " + START_SECONDS + " s:\n" + tail(log, 15));
    }

    @Override
    public String type() {
        return "docker";
    }

    @Override
    public Path socket() {
        return socket;
    }

    @Override
    protected List<String> cli() {
        // Debian's client, matching the daemon (a newer docker CLI may sit earlier on PATH).
        return List.of("/usr/bin/docker", "-H", "unix://" + socket);
    }

    @Override
    protected void stopDaemon() {
        if (daemon == null) {
            return;
        }
        List<ProcessHandle> children = daemon.descendants().toList();
        daemon.destroy(); // SIGTERM: dockerd stops its containerd and unmounts its layers
        try {
            if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
                daemon.destroyForcibly();
                daemon.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }
}
