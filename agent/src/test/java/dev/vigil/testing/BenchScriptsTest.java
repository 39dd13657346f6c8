package dev.vigil.testing;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark scripts fail loudly: a missing corpus or input is a non-zero exit with the reason on
 * stderr, found before anything is built or run (so these runs take a second and build nothing).
 */
class BenchScriptsTest {
    private record Result(int exit, String output) {
    }

    private static Result run(Map<String, String> env, String script, String... args)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", Repo.root().resolve(script).toString()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(Repo.root().toFile()).redirectErrorStream(true);
        pb.environment().remove("VIGIL_CORPUS");
        pb.environment().remove("VIGIL_SCAP_CORPUS");
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(2, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError(script + " did not finish:\n" + out);
        }
        return new Result(p.exitValue(), out);
    }

    @Test
    void theUpstreamMatchBenchmarkWithoutFalcosRulesFailsNamingThem(@TempDir Path emptyCorpus) throws Exception {
        Result r = run(Map.of("VIGIL_CORPUS", emptyCorpus.toString()),
            "bench/run-benchmarks.sh", "MatchBenchmark", "-p", "ruleset=upstream");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(emptyCorpus.resolve("falco-rules/falco_rules.yaml").toString()), r.output());
        assertTrue(r.output().contains("VIGIL_CORPUS"), r.output());
    }

    @Test
    void theWholeJmhSetWithoutFalcosRulesFails(@TempDir Path emptyCorpus) throws Exception {
        // The default regex selects every benchmark, MatchBenchmark's upstream ruleset included.
        Result r = run(Map.of("VIGIL_CORPUS", emptyCorpus.toString()), "bench/run-benchmarks.sh");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("falco_rules.yaml"), r.output());
    }

    @Test
    void theSysdigComparisonWithoutItsCorpusFails(@TempDir Path emptyCorpus) throws Exception {
        Result r = run(Map.of(), "bench/sysdig-compare.sh", "--skip-build", "--corpus", emptyCorpus.toString());
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("sysdig-compare: "), r.output());
    }

    @Test
    void theLoadTestWithAMissingAgentConfigFails(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-config.yaml");
        Result r = run(Map.of(), "bench/load-test.sh", "--skip-build", "--agent-config", missing.toString());
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(missing.toString()), r.output());
        assertTrue(Files.notExists(missing));
    }

    @Test
    void theChainCapacityRunRefusesABadStepBeforeBuildingOrStartingAnything() throws Exception {
        Result r = run(Map.of(), "bench/chain-capacity.sh", "--steps", "25000 lots");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("--steps") && r.output().contains("'lots'"), r.output());
    }

    @Test
    void theChainCapacityRunWithAMissingAgentJarFailsNamingIt(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-vigil.jar");
        Result r = run(Map.of(), "bench/chain-capacity.sh", "--agent-jar", missing.toString());
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains(missing.toString()), r.output());
    }

    @Test
    void theChainCapacityRunRefusesAnUnknownSyscall() throws Exception {
        Result r = run(Map.of(), "bench/chain-capacity.sh", "--syscall", "openat");
        assertNotEquals(0, r.exit(), r.output());
        assertTrue(r.output().contains("--syscall: socket or setns, not openat"), r.output());
    }
}
