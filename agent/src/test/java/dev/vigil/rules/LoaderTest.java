package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Rule files: exceptions, override, append, enabled, several files in order, problems with lines. */
class LoaderTest {
    static LoadResult load(String... texts) {
        List<RulesetLoader.RuleSource> s = new ArrayList<>();
        for (int i = 0; i < texts.length; i++) {
            s.add(RulesetLoader.RuleSource.ofString("f" + (i + 1) + ".yaml", texts[i]));
        }
        return RulesetLoader.forCheck().loadSources(s);
    }

    static List<Alert> fire(LoadResult r, Event e) {
        List<Alert> out = new ArrayList<>();
        r.matcher().match(e, out::add);
        return out;
    }

    static final String BASE = """
        - required_engine_version: 0.57.0
        - required_plugin_versions:
          - name: container
            version: 0.4.0
        - list: shells
          items: [bash, sh]
        - macro: spawned_process
          condition: evt.type = execve
        - rule: Shell
          desc: a shell
          condition: spawned_process and proc.name in (shells)
          output: shell %proc.name (pid=%proc.pid user=%user.name)
          priority: WARNING
          tags: [shell, mitre_execution]
        """;

    @Test
    void firesWithFalcoOutputAndFields() {
        LoadResult r = load(BASE);
        assertEquals(0, r.errors(), r.problems().toString());
        List<Alert> a = fire(r, TestEvents.event("execve", "proc.name", "bash", "proc.pid", 7L,
            "evt.rawtime", 1_795_000_151_000_002_000L, "container.id", "de6b9f00ba11"));
        assertEquals(1, a.size());
        Alert x = a.get(0);
        assertEquals("shell bash (pid=7 user=<NA>)", x.output());
        assertEquals("Shell", x.rule());
        assertEquals("syscall", x.source());
        assertEquals(List.of("shell", "mitre_execution"), x.tags());
        assertEquals(1_795_000_151_000_002_000L, x.timeNanos());
        assertEquals(7L, x.outputFields().get("proc.pid"));
        assertEquals(null, x.outputFields().get("user.name"));
        assertTrue(x.outputFields().containsKey("user.name"));
        assertEquals("execve", x.outputFields().get("evt.type"));
        assertEquals("de6b9f00ba11", x.outputFields().get("container.id"));
        assertEquals(1_795_000_151_000_002_000L, x.outputFields().get("evt.rawtime"));
        assertEquals(0, fire(r, TestEvents.event("open", "proc.name", "bash")).size());
    }

    @Test
    void laterFilesAppendAndOverride() {
        LoadResult r = load(BASE, """
            - list: shells
              items: [zsh]
              override:
                items: append
            - rule: Shell
              condition: and proc.pid != 1
              override:
                condition: append
            - rule: Shell
              priority: ERROR
              override:
                priority: replace
            """);
        assertEquals(0, r.errors(), r.problems().toString());
        List<Alert> a = fire(r, TestEvents.event("execve", "proc.name", "zsh", "proc.pid", 9L));
        assertEquals(1, a.size());
        assertEquals(dev.vigil.alert.Priority.ERROR, a.get(0).priority());
        assertEquals(0, fire(r, TestEvents.event("execve", "proc.name", "zsh", "proc.pid", 1L)).size());
    }

    @Test
    void listsAsTheRulesSeeThem() {
        LoadResult r = load("""
            - list: shells
              items: [bash, sh]
            - list: login_shells
              items: [shells, "'shells'", zsh]
            """, """
            - list: login_shells
              items: [fish]
              override: {items: append}
            - list: loop
              items: [loop]
            """);
        assertEquals(List.of("bash", "sh", "shells", "zsh", "fish"), r.list("login_shells"),
            "a nested list expanded, a quoted name kept as text, a later file's append applied");
        assertEquals(List.of(), r.list("loop"), "a list that refers to itself is left out");
        assertEquals(List.of(), r.list("undefined"));
    }

    @Test
    void olderAppendAndEnabledItems() {
        LoadResult r = load(BASE, """
            - macro: spawned_process
              condition: or evt.type = execveat
              append: true
            - rule: Shell
              enabled: false
            """);
        assertEquals(0, r.errors(), r.problems().toString());
        assertEquals(0, r.loaded());
        assertEquals(1, r.disabled());
        LoadResult again = load(BASE, "- macro: spawned_process\n  condition: or evt.type = execveat\n  append: true\n");
        assertEquals(1, fire(again, TestEvents.event("execveat", "proc.name", "sh")).size());
    }

    @Test
    void exceptionsCompileToAndNot() {
        LoadResult r = load(BASE.replace("  tags: [shell, mitre_execution]", """
              tags: [shell]
              exceptions:
                - name: known
                  fields: [proc.name, proc.pname]
                  comps: [=, in]
                  values:
                    - [bash, [sshd, login]]
                - name: by_uid
                  fields: user.uid
                  values: [1000]
            """.stripTrailing()), """
            - rule: Shell
              exceptions:
                - name: known
                  values:
                    - [sh, [cron]]
              override:
                exceptions: append
            """);
        assertEquals(0, r.errors(), r.problems().toString());
        assertEquals(0, fire(r, TestEvents.event("execve", "proc.name", "bash", "proc.pname", "sshd")).size());
        assertEquals(1, fire(r, TestEvents.event("execve", "proc.name", "bash", "proc.pname", "cron")).size());
        assertEquals(0, fire(r, TestEvents.event("execve", "proc.name", "sh", "proc.pname", "cron")).size());
        assertEquals(0, fire(r, TestEvents.event("execve", "proc.name", "sh", "user.uid", 1000L)).size());
        assertEquals(1, fire(r, TestEvents.event("execve", "proc.name", "sh", "user.uid", 0L)).size());
    }

    @Test
    void problemsCarryFileAndLineAndNeverStopOtherRules() {
        LoadResult r = load(BASE, """
            - rule: Bad syntax
              desc: x
              condition: proc.name = (
              output: x
              priority: INFO
            - rule: Needs fd.net
              desc: x
              condition: fd.net = 10.0.0.0/8
              output: x
              priority: INFO
            - rule: Not syscall
              desc: x
              condition: ka.verb = get
              output: x
              priority: INFO
              source: k8s_audit
            - rule: Undefined macro
              desc: x
              condition: no_such_macro
              output: x
              priority: INFO
            - rule: Fine
              desc: x
              condition: evt.type = socket
              output: x
              priority: info
            """);
        assertEquals(2, r.errors(), r.problems().toString());
        assertEquals(2, r.skipped());
        assertEquals(2, r.loaded());
        List<String> p = r.problems().stream().map(Problem::toString).toList();
        assertTrue(p.get(0).startsWith("f2.yaml:1: error: rule 'Bad syntax': syntax error at 1:"), p.get(0));
        assertEquals("f2.yaml:6: skipped: rule 'Needs fd.net': unknown field fd.net", p.get(1));
        assertEquals("f2.yaml:11: skipped: rule 'Not syscall': source 'k8s_audit' is not syscall", p.get(2));
        assertTrue(p.get(3).startsWith("f2.yaml:17: error: rule 'Undefined macro': undefined macro"), p.get(3));
        assertEquals("rules: 2 loaded, 2 skipped, 2 errors", r.summary());
    }

    @Test
    void everyMatchingRuleFires() {
        LoadResult r = load(BASE, """
            - rule: Any bash
              desc: x
              condition: proc.name = bash
              output: any %proc.name
              priority: NOTICE
            """);
        assertEquals(2, fire(r, TestEvents.event("execve", "proc.name", "bash")).size());
        assertEquals(1, fire(r, TestEvents.event("pids_max_hit", "proc.name", "bash")).size());
    }
}
