package dev.vigil.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code vigil rules test}: what it prints per rule, and its exit status for a match, a mismatch and misuse. */
class RulesTestCommandTest {
    @TempDir
    Path dir;

    private record Run(int code, List<String> lines) {
        String text() {
            return String.join("\n", lines);
        }
    }

    private static Run run(String... args) {
        StringWriter sw = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(sw));
        cl.setErr(new PrintWriter(new StringWriter()));
        String[] all = new String[args.length + 2];
        all[0] = "rules";
        all[1] = "test";
        System.arraycopy(args, 0, all, 2, args.length);
        int code = cl.execute(all);
        return new Run(code, sw.toString().lines().toList());
    }

    private static final String RULES = """
        - rule: Shell
          desc: a shell
          condition: evt.type = execve and proc.exepath = /bin/sh
          output: shell %proc.pid
          priority: NOTICE
        - rule: Curl
          desc: curl
          condition: evt.type = execve and proc.exepath = /usr/bin/curl
          output: curl %proc.pid
          priority: NOTICE
        """;

    private static String exec(int pid, String exe) {
        return "{\"evt.type\":\"execve\",\"evt.rawtime\":1795000000000000000,\"proc.pid\":" + pid
            + ",\"proc.name\":\"x\",\"proc.exepath\":\"" + exe + "\",\"container.id\":\"c1c1c1c1c1c1\",\"evt.res\":0}\n";
    }

    private Path ruleFile(String name, String rules, String events, String expected) throws IOException {
        Path f = dir.resolve(name + ".yaml");
        Files.writeString(f, rules);
        if (events != null) {
            Files.createDirectories(dir.resolve("tests"));
            Files.writeString(dir.resolve("tests").resolve(name + ".events.jsonl"), events);
            Files.writeString(dir.resolve("tests").resolve(name + ".expected.json"), expected);
        }
        return f;
    }

    @Test
    void allAsExpectedExitsZeroAndSaysWhatFired() throws Exception {
        Path f = ruleFile("mine", RULES, exec(1, "/bin/sh") + exec(2, "/bin/sh") + exec(3, "/bin/bash"),
            "{\"alerts\": {\"Shell\": 2, \"Curl\": 0}}");
        Run r = run(f.toString());
        assertEquals(0, r.code(), r.text());
        assertTrue(r.lines().contains("  ok       Shell: fired 2, expected 2"), r.text());
        assertTrue(r.lines().contains("  ok       Curl: fired 0, expected 0"), r.text());
        assertEquals("rules test: 1 fixtures, 2 rules as expected, 0 mismatches", r.lines().get(r.lines().size() - 1));
    }

    @Test
    void aWrongCountAndAnUnlistedRuleAreMismatchesExitOne() throws Exception {
        Path f = ruleFile("mine", RULES, exec(1, "/bin/sh") + exec(2, "/usr/bin/curl"),
            "{\"alerts\": {\"Shell\": 2}}");
        Run r = run(f.toString());
        assertEquals(1, r.code(), r.text());
        assertTrue(r.lines().contains("  MISMATCH Shell: fired 1, expected 2"), r.text());
        assertTrue(r.lines().contains("  MISMATCH Curl: fired 1, not listed"), r.text());
        assertEquals("rules test: 1 fixtures, 0 rules as expected, 2 mismatches", r.lines().get(r.lines().size() - 1));
    }

    @Test
    void aRuleThatMustNotFireButDoesIsAMismatch() throws Exception {
        Path f = ruleFile("mine", RULES, exec(1, "/usr/bin/curl"), "{\"alerts\": {\"Curl\": 0}}");
        Run r = run(f.toString());
        assertEquals(1, r.code(), r.text());
        assertTrue(r.lines().contains("  MISMATCH Curl: fired 1, expected 0"), r.text());
    }

    @Test
    void anEventLineTheAgentRejectsIsAMismatch() throws Exception {
        Path f = ruleFile("mine", RULES, exec(1, "/bin/sh") + "{not json\n", "{\"alerts\": {\"Shell\": 1}}");
        Run r = run(f.toString());
        assertEquals(1, r.code(), r.text());
        assertTrue(r.text().contains("MISMATCH 1 of 2 event lines not processed"), r.text());
    }

    @Test
    void filesLoadTogetherAndEachFixtureRunsTheWholeSet() throws Exception {
        Path base = ruleFile("base", RULES, null, null);
        // the second file switches Shell off: its fixture sees only Curl
        Path local = ruleFile("local", """
            - rule: Shell
              enabled: false
            """, exec(1, "/bin/sh") + exec(2, "/usr/bin/curl"), "{\"alerts\": {\"Curl\": 1, \"Shell\": 0}}");
        Run r = run(base.toString(), local.toString());
        assertEquals(0, r.code(), r.text());
        assertTrue(r.lines().get(0).startsWith(base + ": no fixture ("), r.text());
        assertTrue(r.lines().contains("  ok       Shell: fired 0, expected 0"), r.text());
    }

    @Test
    void nothingToTestRuleErrorsAndNoPathAreFailures() throws Exception {
        Path untested = ruleFile("untested", RULES, null, null);
        Run none = run(untested.toString());
        assertEquals(1, none.code(), none.text());
        assertEquals("rules test: no fixture found: nothing tested", none.lines().get(none.lines().size() - 1));

        Path bad = ruleFile("bad", "- rule: B\n  condition: evt.type = (\n  output: o\n  priority: INFO\n",
            exec(1, "/bin/sh"), "{\"alerts\": {}}");
        Run broken = run(bad.toString());
        assertEquals(1, broken.code(), broken.text());
        assertTrue(broken.lines().get(0).startsWith(bad + ":1: error: rule 'B': syntax error"), broken.text());

        Path badExpected = ruleFile("odd", RULES, exec(1, "/bin/sh"), "{\"alerts\": {\"Shell\": \"one\"}}");
        Run odd = run(badExpected.toString());
        assertEquals(1, odd.code(), odd.text());
        assertTrue(odd.text().contains("cannot run its fixture:"), odd.text());

        assertEquals(2, run().code());
    }
}
