package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The collector alone: items merged in load order, with no parsing or compiling of conditions. */
class RuleCollectorTest {
    private final List<Problem> problems = new ArrayList<>();
    private final RuleCollector collector = new RuleCollector(problems);

    private void collect(String file, String yaml) {
        RuleFileReader.read(file, new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), problems)
            .forEach(collector::collect);
    }

    private static final String BASE = """
        - list: shells
          items: [bash, sh]
        - macro: spawned
          condition: evt.type = execve
        - rule: Shell
          desc: a shell
          condition: spawned and proc.name in (shells)
          output: shell
          priority: WARNING
          tags: [a]
        """;

    @Test
    void laterFilesAppendOverrideAndSwitchOff() {
        collect("base.yaml", BASE);
        collect("local.yaml", """
            - list: shells
              items: [zsh]
              override:
                items: append
            - macro: spawned
              condition: or evt.type = execveat
              append: true
            - rule: Shell
              condition: and container.id != host
              tags: [b, a]
              override:
                condition: append
                tags: append
            - rule: Shell
              priority: ERROR
              override:
                priority: replace
            - rule: Shell
              enabled: false
            """);
        assertEquals(List.of(), problems);
        assertEquals(List.of("bash", "sh", "zsh"), collector.lists().get("shells").items);
        assertEquals("evt.type = execve or evt.type = execveat", collector.macros().get("spawned").condition);
        RuleCollector.RuleDef r = collector.rules().get("Shell");
        assertEquals("spawned and proc.name in (shells) and container.id != host", r.condition);
        assertEquals(List.of("a", "b"), r.tags);
        assertEquals("ERROR", r.priority);
        assertFalse(r.enabled);
        // where the definition was made, not where it was amended
        assertEquals("base.yaml", r.file);
        assertEquals(5, r.line);
    }

    @Test
    void aRedefinitionReplacesAndKeepsItsPlace() {
        collect("a.yaml", BASE + """
            - rule: Other
              condition: evt.type = open
              output: o
              priority: INFO
            """);
        collect("b.yaml", """
            - rule: Shell
              condition: evt.type = clone
              output: s
              priority: NOTICE
            """);
        assertEquals(List.of("Shell", "Other"), List.copyOf(collector.rules().keySet()));
        assertEquals("evt.type = clone", collector.rules().get("Shell").condition);
        assertEquals("b.yaml", collector.rules().get("Shell").file);
    }

    @Test
    void amendingWhatWasNeverDefinedIsAnErrorAtTheItem() {
        collect("x.yaml", """
            - list: nowhere
              items: [a]
              override:
                items: append
            - rule: Ghost
              enabled: false
            - rule: Odd
              condition: evt.type = open
              output: o
              priority: INFO
              colour: blue
            """);
        assertEquals(3, problems.size(), problems.toString());
        assertEquals("x.yaml:1: error: list 'nowhere' has no earlier definition to append", problems.get(0).toString());
        assertEquals("x.yaml:5: error: rule 'Ghost': enabled given for a rule not defined earlier",
            problems.get(1).toString());
        assertEquals(Problem.Kind.WARNING, problems.get(2).kind());
        assertEquals(7, problems.get(2).line());
        assertTrue(collector.rules().containsKey("Odd"), "an unknown key does not drop the rule");
        assertFalse(collector.lists().containsKey("nowhere"));
    }
}
