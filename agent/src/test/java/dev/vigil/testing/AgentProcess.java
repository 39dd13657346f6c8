package dev.vigil.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real {@code java -jar vigil.jar run} in its own JVM, for integration tests: started with the
 * given arguments, its stdout (alerts) and stderr (logs) in files, its /metrics read over HTTP.
 */
public final class AgentProcess implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final Path stdout;
    private final Path stderr;
    private volatile int metricsPort; // 0 until read from the agent's log
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final Pattern METRICS_LOG = Pattern.compile("metrics on http://127\\.0\\.0\\.1:(\\d+)/metrics");

    private AgentProcess(Process process, Path stdout, Path stderr, int metricsPort) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
        this.metricsPort = metricsPort;
    }

    public static Path jar() {
        String p = System.getProperty("vigil.jar", "target/vigil.jar");
        Path jar = Path.of(p);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("vigil.jar not built at " + jar.toAbsolutePath() + " (run mvn package)");
        }
        return jar;
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Starts {@code vigil run} with the metrics on loopback port 0 (the kernel's free port, read back
     * from the agent's log: no port is picked, released and bound again), plus {@code args}.
     */
    public static AgentProcess start(Path workDir, List<String> jvmArgs, List<String> args) throws IOException {
        return start(workDir, List.of(), jvmArgs, args);
    }

    /** As {@link #start(Path, List, List)}, the java command run through {@code launcher} (e.g. setpriv …). */
    public static AgentProcess start(Path workDir, List<String> launcher, List<String> jvmArgs, List<String> args)
        throws IOException {
        // Started as root, the agent becomes an unprivileged user (process.user) and then reads its config,
        // rules and seeds itself, as it does from /etc: the work directory (a 0700 @TempDir) must let it
        // pass, as /etc and /var/lib do.
        Files.setPosixFilePermissions(workDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx--x--x"));
        List<String> cmd = new ArrayList<>(launcher);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(jar().toAbsolutePath().toString());
        cmd.add("run");
        cmd.add("--metrics-address");
        cmd.add("127.0.0.1:0");
        if (!args.contains("--sensor")) {
            // As root, run would start the bundled eBPF sensor: its real events would mix into the test's.
            cmd.add("--sensor");
            cmd.add("off");
        }
        cmd.addAll(args);
        Path out = Files.createTempFile(workDir, "agent", ".out");
        Path err = Files.createTempFile(workDir, "agent", ".err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        return new AgentProcess(p, out, err, 0);
    }

    public Process process() {
        return process;
    }

    public Path stdoutFile() {
        return stdout;
    }

    public String logs() throws IOException {
        return Files.readString(stderr);
    }

    /** Polls stdout until some alert matches each of {@code wanted}; every alert so far. Fails after {@code timeout}. */
    public List<JsonNode> awaitAlerts(List<Predicate<JsonNode>> wanted, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonNode> alerts = List.of();
        while (System.nanoTime() < deadline) {
            alerts = alerts();
            boolean all = true;
            for (Predicate<JsonNode> w : wanted) {
                all &= alerts.stream().anyMatch(w);
            }
            if (all) {
                return alerts;
            }
            Thread.sleep(300);
        }
        throw new AssertionError("not every expected alert came within " + timeout.toSeconds() + " s: " + alerts
            + "\nlogs:\n" + logs());
    }

    /** The port the agent's metrics server bound, from its log; 0 while it has not logged it yet. */
    public int metricsPort() throws IOException {
        if (metricsPort == 0) {
            Matcher m = METRICS_LOG.matcher(logs());
            if (m.find()) {
                metricsPort = Integer.parseInt(m.group(1));
            }
        }
        return metricsPort;
    }

    /** Waits until /readyz answers 200; fails with the agent's logs if it exits or times out. */
    public void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("agent exited with " + process.exitValue() + ":\n" + logs());
            }
            try {
                if (metricsPort() != 0 && get("/readyz").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("agent not ready within " + timeout + ":\n" + logs());
    }

    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        if (metricsPort() == 0) {
            throw new IOException("the agent has not logged its metrics port yet");
        }
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
            .timeout(Duration.ofSeconds(5)).GET().build();
        return http.send(req, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Waits until the sensor it started ({@code --sensor on}) has attached everything: it connects first and
     * attaches its programs one by one after, so what happens before its "running" line may go unseen.
     */
    public void awaitSensorRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!logs().contains("vigil-sensor: running")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the sensor never finished attaching:\n" + logs());
            }
            Thread.sleep(200);
        }
    }

    /** The alerts written on its stdout so far, one JSON object a line (a partial last line is left for later). */
    public List<JsonNode> alerts() throws IOException {
        String text = Files.readString(stdoutFile());
        List<JsonNode> out = new ArrayList<>();
        for (String line : text.substring(0, text.lastIndexOf('\n') + 1).split("\n")) {
            if (line.startsWith("{")) { // an alert; anything else a sink or the JVM wrote is not
                out.add(JSON.readTree(line));
            }
        }
        return out;
    }

    public String metrics() throws IOException, InterruptedException {
        return get("/metrics").body();
    }

    /** The value of one sample in Prometheus text, e.g. {@code vigil_events_rejected_total{reason="too_long"}}; 0 if absent. */
    public static double sample(String metrics, String name, String labels) {
        Pattern p = Pattern.compile("^" + Pattern.quote(name) + (labels.isEmpty() ? "" : "\\{" + labels + ",?\\}")
            + " ([0-9.eE+-]+)$", Pattern.MULTILINE);
        Matcher m = p.matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** SIGTERM, then the exit code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("agent did not stop within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
