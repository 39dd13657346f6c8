package dev.vigil.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled eBPF sensor as a child process of {@code vigil run --sensor}: started after the socket
 * listens, pointed at it, its stderr merged into ours, and stopped (SIGTERM: it flushes) before the
 * socket closes. In the DaemonSet the sensor runs in its own container instead.
 */
final class SensorProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SensorProcess.class);
    private final Process process;

    private SensorProcess(Process process) {
        this.process = process;
    }

    static SensorProcess start(Path executable, Path socket) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--socket", socket.toString()));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        log.info("started the sensor {} (pid {})", executable, p.pid());
        return new SensorProcess(p);
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
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
