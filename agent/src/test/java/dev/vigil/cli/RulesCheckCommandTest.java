package dev.vigil.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RulesCheckCommandTest {
    static String[] run(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new RulesCheckCommand());
        cl.setOut(new PrintWriter(sw));
        int code = cl.execute(args);
        return new String[] {Integer.toString(code), sw.toString()};
    }

    @Test
    void printsProblemsThenTheSummaryAndExitsOneOnErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, """
            - rule: Good
              desc: x
              condition: proc.name = a
              output: a
              priority: INFO
            - rule: Skip
              desc: x
              condition: fd.net = 1
              output: a
              priority: INFO
            - rule: Bad
              desc: x
              condition: proc.name = a and
              output: a
              priority: INFO
            """);
        String[] r = run(f.toString());
        assertEquals("1", r[0]);
        String[] lines = r[1].split("\n");
        assertEquals(f + ":6: skipped: rule 'Skip': unknown field fd.net", lines[0]);
        assertTrue(lines[1].startsWith(f + ":11: error: rule 'Bad': syntax error at 1:"), lines[1]);
        assertEquals("rules: 1 loaded, 1 skipped, 1 errors", lines[2]);
    }

    @Test
    void defaultRulesetIsClean() {
        String[] r = run("--include-default");
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].matches("rules: \\d+ loaded, 0 skipped, 0 errors\\s*"), r[1]);
    }

    @Test
    void runsUnderTheRulesGroup() {
        StringWriter sw = new StringWriter();
        CommandLine cl = new CommandLine(new RulesCommand());
        cl.setOut(new PrintWriter(sw));
        assertEquals(0, cl.execute("check", "--include-default"));
        assertTrue(sw.toString().contains(" 0 errors"), sw.toString());
    }

    @Test
    void upstreamFalcoRulesStillLoadBesideRulesNamingTheIdentityFields(@TempDir Path dir) throws Exception {
        Path upstream = Path.of(System.getProperty("vigil.corpus", "/work/shared/corpus/falco-rules"))
            .resolve("falco_rules.yaml");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(upstream), "no Falco corpus at " + upstream);
        Path f = dir.resolve("identity.yaml");
        Files.writeString(f, """
            - rule: Identity
              desc: x
              condition: >
                container.image.tag = latest and container.image.digest startswith sha256: and
                container.type = containerd and k8s.pod.uid exists and container.label[app] = web and
                k8s.pod.label[team] in (payments, infra)
              output: "%container.label[app] %k8s.pod.label[team] %container.image.tag %k8s.pod.uid"
              priority: INFO
            """);
        String[] r = run(upstream.toString(), f.toString());
        assertEquals("0", r[0], r[1]);
        assertTrue(r[1].endsWith(" 0 errors\n"), r[1]);
        assertTrue(!r[1].contains("identity.yaml"), "the identity fields are known: " + r[1]);
    }
}
