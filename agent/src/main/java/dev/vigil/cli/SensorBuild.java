package dev.vigil.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds the bundled sensor from the repository's {@code sensor/} directory before the agent starts
 * it, so that the agent knows whether there is a sensor to start and can say why not. The image
 * ({@code /opt/vigil/vigil-sensor}) and {@code $VIGIL_SENSOR} name a binary: nothing to build.
 *
 * <p>Threading: called once, from the thread that starts the agent.
 */
final class SensorBuild {
    /** The Debian/Ubuntu packages the sensor's first build needs ({@code sensor/Makefile}). */
    static final String INSTALL =
        "apt-get install -y --no-install-recommends make gcc clang libbpf-dev bpftool libelf-dev zlib1g-dev";
    /** Lines of make's output quoted in the log: enough for the first error, not the whole cascade. */
    static final int QUOTED_LINES = 3;
    /** The first build compiles the BPF object and the loader: tens of seconds on a slow node. */
    private static final long BUILD_TIMEOUT_SECONDS = 600;
    /** Tools the build runs, and headers it includes, each with the package that has it. */
    private static final List<String> TOOLS = List.of("make", "gcc", "clang", "bpftool");
    private static final Map<String, String> HEADERS = Map.of(
        "/usr/include/bpf/libbpf.h", "libbpf-dev", "/usr/include/gelf.h", "libelf-dev", "/usr/include/zlib.h", "zlib1g-dev");

    /**
     * What to execute, or why there is nothing: exactly one of the two is non-null.
     *
     * @param executable the sensor binary, ready to run
     * @param problem    why it cannot run, for the log line "sensor not started: …"
     */
    record Outcome(Path executable, String problem) {
        static Outcome ready(Path executable) {
            return new Outcome(executable, null);
        }

        static Outcome failed(String problem) {
            return new Outcome(null, problem);
        }
    }

    private SensorBuild() {
    }

    /**
     * The sensor to run for {@code located} (what {@link SensorProcess#locate()} found): a binary as is;
     * the repository's wrapper {@code sensor/vigil-sensor} beside a Makefile: {@code make build/vigil-sensor}
     * first (a no-op when up to date), then that binary.
     */
    static Outcome prepare(Path located) {
        Path dir = located.toAbsolutePath().getParent();
        if (dir == null || !Files.isRegularFile(dir.resolve("Makefile"))) {
            return Outcome.ready(located);
        }
        Path binary = dir.resolve("build/vigil-sensor");
        List<String> missing = missing(System.getenv("PATH"));
        if (!missing.contains("make")) {
            List<String> output = new ArrayList<>();
            int exit = make(dir, output);
            return exit == 0 && Files.isExecutable(binary) ? Outcome.ready(binary)
                : Outcome.failed(buildFailed(exit, output, missing));
        }
        // Without make, a binary built earlier still runs (it may be older than its sources).
        return Files.isExecutable(binary) ? Outcome.ready(binary)
            : Outcome.failed(buildFailed(-1, List.of("make: not found"), missing));
    }

    /**
     * The log's account of a failed build: make's first lines, what is missing, and the command that
     * installs it, e.g. {@code its build failed (make: clang: No such file or directory; missing: clang;
     * install: apt-get install …)}.
     *
     * @param exit    make's exit status, -1 when it did not run or did not finish
     * @param output  make's output (stdout and stderr merged), in order
     * @param missing tools and packages the build needs and this machine lacks
     */
    static String buildFailed(int exit, List<String> output, List<String> missing) {
        List<String> quoted = new ArrayList<>();
        for (String line : output) {
            String l = line.strip();
            if (!l.isEmpty() && quoted.size() < QUOTED_LINES) {
                quoted.add(l);
            }
        }
        StringBuilder b = new StringBuilder("its build failed (");
        b.append(quoted.isEmpty() ? "make exited with status " + exit : String.join(" | ", quoted));
        if (!missing.isEmpty()) {
            b.append("; missing: ").append(String.join(" ", missing));
        }
        return b.append("; install: ").append(INSTALL).append(')').toString();
    }

    /** The build's tools not on {@code path} and the packages whose headers are absent. */
    static List<String> missing(String path) {
        List<String> missing = new ArrayList<>();
        for (String tool : TOOLS) {
            if (onPath(path, tool) == null) {
                missing.add(tool);
            }
        }
        HEADERS.entrySet().stream().sorted(Map.Entry.comparingByValue())
            .filter(h -> !Files.isRegularFile(Path.of(h.getKey()))).forEach(h -> missing.add(h.getValue()));
        return missing;
    }

    static Path onPath(String path, String name) {
        for (String dir : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return Path.of(dir, name);
            }
        }
        return null;
    }

    private static int make(Path dir, List<String> output) {
        Path log;
        try {
            log = Files.createTempFile("vigil-sensor-build", ".log");
        } catch (IOException e) {
            output.add("cannot create a temporary file for make's output: " + e.getMessage());
            return -1;
        }
        try {
            Process p = new ProcessBuilder("make", "-s", "-C", dir.toString(), "build/vigil-sensor")
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            if (!p.waitFor(BUILD_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                output.add("make did not finish in " + BUILD_TIMEOUT_SECONDS + " s");
                return -1;
            }
            // Lenient decoding: compilers quote in the locale's charset.
            output.addAll(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList());
            return p.exitValue();
        } catch (IOException e) {
            output.add("cannot run make: " + e.getMessage());
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            output.add("interrupted while building");
            return -1;
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (IOException e) {
                // a leftover file in the temporary directory; nothing depends on it
            }
        }
    }
}
