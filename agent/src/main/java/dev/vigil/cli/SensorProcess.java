package dev.vigil.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundled eBPF sensor as a child process of {@code vigil run --sensor}: built ({@link SensorBuild}),
 * started, pointed at the socket, its stderr copied into ours (through a file, see {@link #watch}), and
 * stopped before the socket closes: its stdin is a pipe whose write end the agent holds
 * ({@link SensorStopPipe}, {@code --stop-on-stdin-eof}), closed to stop it (it flushes, as on SIGTERM)
 * and closed by the kernel when the agent dies. In the DaemonSet the sensor runs in its own container
 * instead.
 *
 * <p>Started as root, the agent starts the sensor before it re-executes itself without
 * capabilities ({@link CapabilityDropExec}); the new JVM adopts the child by its pid. The sensor
 * attaches its programs only once the socket accepts, so nothing is captured in between.
 *
 * <p>Threading: started and closed by the thread that runs the agent; {@link #watch} adds one
 * thread, {@code vigil-sensor-log}, that only reads the sensor's output and logs.
 */
final class SensorProcess implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SensorProcess.class);
    private final ProcessHandle process;
    /** The sensor's stderr, or null when it is not ours to read (adopted without it). */
    private final Path stderrLog;
    /** The write end of its stdin, or null: then it is stopped by SIGTERM. */
    private final SensorStopPipe stop;

    private SensorProcess(ProcessHandle process, Path stderrLog, SensorStopPipe stop) {
        this.process = process;
        this.stderrLog = stderrLog;
        this.stop = stop;
    }

    /**
     * The capabilities the sensor gets, no more (as in the DaemonSet): load and attach BPF programs,
     * read kernel memory from them, read /proc. setpriv limits the bounding set, so even uid 0 gets
     * only these at exec.
     */
    static final List<String> SENSOR_CAPABILITIES = List.of("bpf", "perfmon");

    /**
     * Starts {@code executable} (built: {@link SensorBuild}); its stderr goes to {@code stderrLog}, which
     * {@link #watch} copies to ours and reads to tell whether the sensor attached. {@code sensorFlags}: the
     * options of the {@code sensor.*} keys ({@link dev.vigil.config.SensorConfig#flags()}).
     * {@code agentGid} &gt; 0: the agent becomes a user of that group after the exec. The
     * sensor (uid 0, without CAP_DAC_OVERRIDE) gets the group as its only supplementary group, so that
     * it passes the socket's directory and opens the 0660 socket through it, as in the DaemonSet
     * ({@code fsGroup}). It keeps uid 0 (real, effective and saved), and so its parent-death signal:
     * the unprivileged agent stops it through its stdin, not by a signal.
     */
    static SensorProcess start(Path executable, Path socket, Path stderrLog, List<String> containerdNamespaces,
                               List<String> sensorFlags, int agentGid) throws IOException {
        List<String> cmd = new ArrayList<>();
        Path setpriv = SensorBuild.onPath(System.getenv("PATH"), "setpriv");
        if (setpriv != null) {
            String caps = "-all,+" + String.join(",+", SENSOR_CAPABILITIES);
            cmd.addAll(List.of(setpriv.toString(), "--bounding-set=" + caps, "--inh-caps=-all", "--ambient-caps=-all"));
            if (agentGid > 0) {
                cmd.add("--groups=" + agentGid);
            }
            if (hasPdeathsig(setpriv)) {
                // A second line beside the stop pipe: the agent's death, even by SIGKILL, ends its sensor: an
                // orphan would stay attached and, once an agent is started again on this socket with a sensor of
                // its own, deliver every event twice. The signal comes when the thread that started the sensor
                // ends: this one, which also execve()s the agent without capabilities (and so lives on as the
                // new image's first thread).
                cmd.add("--pdeathsig=TERM");
            } else {
                log.warn("{} has no --pdeathsig (util-linux < 2.33): the sensor outlives the agent if it is killed",
                    setpriv);
            }
            cmd.add("--");
        } else {
            log.warn("setpriv (util-linux) not found: the sensor runs with every capability the agent started with");
        }
        cmd.addAll(List.of(executable.toString(), "--socket", socket.toString(),
            "--containerd-namespaces", String.join(",", containerdNamespaces)));
        cmd.addAll(sensorFlags); // the sensor.* keys: --ring-mb, --cgroup-rate, --cgroup-burst
        SensorStopPipe stop;
        try {
            stop = SensorStopPipe.open();
            cmd.add("--stop-on-stdin-eof");
        } catch (IOException e) {
            stop = null;
            log.warn("cannot make the sensor's stop pipe ({}): it is stopped by SIGTERM, which an agent that is no "
                + "longer root may not send", e.getMessage());
        }
        // Its stderr through a file, not a pipe of Java's: a Java stream would not survive the agent's exec; a
        // file does (by its name), as does the raw descriptor of the stop pipe (by its number).
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(
                    stop != null ? stop.readEnd() : new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.appendTo(
                    stderrLog.toFile())).start();
        } catch (IOException | RuntimeException e) {
            if (stop != null) {
                stop.close();
            }
            throw e;
        }
        if (stop != null) {
            stop.closeReadEnd(); // the sensor holds it now; ours would keep its stdin from ever ending
        }
        log.info("launched the sensor {} (pid {}){}; it attaches once the socket accepts", executable, p.pid(),
            setpriv != null ? " with only " + SENSOR_CAPABILITIES : "");
        return new SensorProcess(p.toHandle(), stderrLog, stop);
    }

    /** Whether this setpriv can set the parent-death signal (util-linux 2.33 and later). */
    private static boolean hasPdeathsig(Path setpriv) {
        try {
            Process p = new ProcessBuilder(setpriv.toString(), "--help").redirectErrorStream(true).start();
            String help = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(5, TimeUnit.SECONDS);
            return help.contains("--pdeathsig");
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A new, empty file for the sensor's stderr, readable only by this uid. */
    static Path newStderrLog() throws IOException {
        return Files.createTempFile("vigil-sensor", ".log",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }

    /**
     * The sensor a previous image of this process started (same pid, so still our child), or null if
     * gone; {@code stop}: the write end of its stdin, handed over too (null: stopped by SIGTERM).
     */
    static SensorProcess adopt(long pid, Path stderrLog, SensorStopPipe stop) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> {
            log.info("supervising the sensor started before the exec (pid {}{})", pid,
                stop != null ? ", stopped through its stdin" : "");
            return new SensorProcess(h, stderrLog, stop);
        }).orElse(null);
    }

    /**
     * The account of a sensor that exited before the new JVM could adopt it: its output (copied to
     * our stderr) read for its last words, and the file removed. Null when there is no file to read.
     */
    static String exitedBeforeAdoption(long pid, Path stderrLog) {
        if (stderrLog == null) {
            return null;
        }
        SensorAttachment attachment = new SensorAttachment(pid);
        try {
            for (String line : new String(Files.readAllBytes(stderrLog), StandardCharsets.UTF_8).lines().toList()) {
                System.err.println(line);
                String verdict = attachment.onLine(line);
                if (verdict != null) {
                    return null; // it had attached, then exited: not a start failure
                }
            }
            Files.deleteIfExists(stderrLog);
        } catch (IOException e) {
            log.warn("cannot read the sensor's output {}: {}", stderrLog, e.getMessage());
        }
        return attachment.onExit();
    }

    long pid() {
        return process.pid();
    }

    Path stderrLog() {
        return stderrLog;
    }

    /** The write end of its stdin, or null. */
    SensorStopPipe stopPipe() {
        return stop;
    }

    /**
     * Starts the thread that copies the sensor's stderr to ours and logs, once, what became of it:
     * "started the sensor (pid N), attached: …" or "sensor not started: …" ({@link SensorAttachment}).
     * {@code onNotStarted} runs when the sensor exits before attaching.
     */
    void watch(Runnable onNotStarted) {
        if (stderrLog == null) {
            return;
        }
        Thread t = new Thread(() -> follow(onNotStarted), "vigil-sensor-log");
        t.setDaemon(true);
        t.start();
        watcher = t;
    }

    private void follow(Runnable onNotStarted) {
        SensorAttachment attachment = new SensorAttachment(process.pid());
        java.io.ByteArrayOutputStream partial = new java.io.ByteArrayOutputStream();
        long offset = 0;
        boolean reported = false;
        try (SeekableByteChannel ch = Files.newByteChannel(stderrLog, StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (true) {
                boolean alive = process.isAlive(); // before reading: what it wrote before dying is read
                ch.position(offset);
                buf.clear();
                int n = ch.read(buf);
                if (n > 0) {
                    offset += n;
                    // Split on the byte '\n' and decode whole lines: a read may end inside a character.
                    for (int i = 0; i < n; i++) {
                        byte b = buf.get(i);
                        if (b != '\n') {
                            partial.write(b);
                            continue;
                        }
                        String line = partial.toString(StandardCharsets.UTF_8);
                        partial.reset();
                        System.err.println(line);
                        String verdict = attachment.onLine(line);
                        if (verdict != null && !reported) {
                            reported = true;
                            log.info(verdict);
                        }
                    }
                    continue;
                }
                if (!alive) {
                    if (!reported && !stopping) {
                        log.error(attachment.onExit());
                        onNotStarted.run();
                    }
                    return;
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            log.warn("cannot read the sensor's output {}: {}", stderrLog, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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

    /** Set by {@link #close}: an exit from then on is the agent's doing, not the sensor failing. */
    private volatile boolean stopping;
    private volatile Thread watcher;

    boolean stopping() {
        return stopping;
    }

    private void kill() {
        if (!process.destroyForcibly()) {
            // uid 0 and we are not: only its stdin could stop it, and it did not within the time
            log.warn("the sensor (pid {}) did not stop within 5 s and cannot be killed from this uid", process.pid());
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            if (stop != null) {
                stop.close();
            }
            return;
        }
        stopping = true;
        if (stop != null) {
            stop.close(); // the end of its stdin: it drains and flushes
        } else {
            process.destroy(); // SIGTERM: the same
        }
        try {
            process.onExit().get(5, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
            kill();
        } catch (InterruptedException e) {
            kill();
            Thread.currentThread().interrupt();
        }
        Thread t = watcher;
        try {
            if (t != null) {
                t.join(1_000); // its last lines (what it delivered and lost) reach our stderr
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (stderrLog != null) {
                Files.deleteIfExists(stderrLog);
            }
        } catch (IOException e) {
            log.debug("cannot remove {}: {}", stderrLog, e.getMessage());
        }
    }
}
