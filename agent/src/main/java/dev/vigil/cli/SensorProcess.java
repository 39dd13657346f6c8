package dev.vigil.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled eBPF sensor as a child process of {@code vigil run --sensor}: started after the socket
 * listens, pointed at it, its stderr merged into ours, and stopped (SIGTERM: it flushes) before the
 * socket closes. In the DaemonSet the sensor runs in its own container instead.
 *
 * <p>Started as root, the agent starts the sensor before it re-executes itself without
 * capabilities ({@link CapabilityDropExec}); the new JVM adopts the child by its pid. The sensor
 * attaches its programs only once the socket accepts, so nothing is captured in between.
 */
final class SensorProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SensorProcess.class);
    private final ProcessHandle process;

    private SensorProcess(ProcessHandle process) {
        this.process = process;
    }

    /**
     * The capabilities the sensor gets, no more (as in the DaemonSet): load and attach BPF programs,
     * read kernel memory from them, read /proc. setpriv limits the bounding set, so even uid 0 gets
     * only these at exec.
     */
    static final List<String> SENSOR_CAPABILITIES = List.of("bpf", "perfmon", "dac_read_search");

    static SensorProcess start(Path executable, Path socket) throws IOException {
        List<String> cmd = new ArrayList<>();
        Path setpriv = onPath("setpriv");
        if (setpriv != null) {
            String caps = "-all,+" + String.join(",+", SENSOR_CAPABILITIES);
            cmd.addAll(List.of(setpriv.toString(), "--bounding-set=" + caps, "--inh-caps=-all", "--ambient-caps=-all",
                "--"));
        } else {
            log.warn("setpriv (util-linux) not found: the sensor runs with every capability the agent started with");
        }
        cmd.addAll(List.of(executable.toString(), "--socket", socket.toString()));
        // No pipe: a pipe's other end would not survive the agent's exec. stderr is the agent's own.
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        log.info("started the sensor {} (pid {}){}", executable, p.pid(),
            setpriv != null ? " with only " + SENSOR_CAPABILITIES : "");
        return new SensorProcess(p.toHandle());
    }

    private static Path onPath(String name) {
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        return null;
    }

    /** The sensor a previous image of this process started (same pid, so still our child), or null if gone. */
    static SensorProcess adopt(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> {
            log.info("supervising the sensor started before the exec (pid {})", pid);
            return new SensorProcess(h);
        }).orElse(null);
    }

    long pid() {
        return process.pid();
    }

    /**
     * Where the bundled sensor is: {@code $VIGIL_SENSOR}, else {@code sensor/vigil-sensor} beside the
     * repository the jar was built in, else {@code /opt/vigil/vigil-sensor} (the image). Null if none.
     */
    static Path locate() {
        List<Path> candidates = new ArrayList<>();
        String env = System.getenv("VIGIL_SENSOR");
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        try {
            Path jar = Path.of(SensorProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // agent/target/vigil.jar -> <repo>/sensor/vigil-sensor
            Path repo = jar.toAbsolutePath().getParent().getParent().getParent();
            if (repo != null) {
                candidates.add(repo.resolve("sensor/vigil-sensor"));
            }
        } catch (Exception e) {
            // not from a jar file: fall through
        }
        candidates.add(Path.of("/opt/vigil/vigil-sensor"));
        for (Path p : candidates) {
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /** Whether this process can load eBPF programs at all: root (or the caps) and kernel BTF. */
    static String whyUnavailable() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return "not running as root";
        }
        if (!Files.exists(Path.of("/sys/kernel/btf/vmlinux"))) {
            return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        }
        return null;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy(); // SIGTERM: it drains and flushes
        try {
            process.onExit().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
