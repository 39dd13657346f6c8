package dev.vigil.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The suites written as shell scripts (the sensor's, which need root and eBPF; the deployment
 * checks, which need promtool and a running agent), run from the one test command. A script prints
 * {@code SKIP:} where a component is missing and fails instead under VIGIL_REQUIRE_INTEGRATION=1.
 */
class ShellSuitesIT {
    private static void run(String script, long timeoutMinutes, String... args) throws IOException, InterruptedException {
        Path log = Files.createTempFile("vigil-suite", ".log");
        List<String> command = new java.util.ArrayList<>(List.of("bash", Repo.root().resolve(script).toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command)
            .directory(Repo.root().toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish in " + timeoutMinutes + " min:\n" + Files.readString(log));
        }
        String out = Files.readString(log);
        System.out.println(out);
        assertEquals(0, p.exitValue(), script + " failed:\n" + out);
        if (!Integration.required() && out.lines().anyMatch(l -> l.contains("SKIP:"))) {
            Assumptions.abort(script + " skipped parts (see its output): " + out.lines()
                .filter(l -> l.contains("SKIP:")).findFirst().orElse(""));
        }
    }

    @Test
    void sensorSuite() throws Exception {
        run("sensor/test/run-all.sh", 15);
    }

    @Test
    void deploymentChecks() throws Exception {
        run("deploy/test/run-all.sh", 10);
    }

    /** sysdig (libsinsp) on the corpus captures and vigil replay on their JSON-lines twins match the same events. */
    @Test
    void sysdigComparisonAgrees() throws Exception {
        run("bench/sysdig-compare.sh", 10, "--quick", "--skip-build", "--allow-skip");
    }
}
