package dev.vigil.rules;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReloadableMatcherTest {
    static final String GOOD = """
        - rule: A
          desc: x
          condition: proc.name = a
          output: a
          priority: INFO
        """;

    @Test
    void badReloadKeepsTheOldSetAndBothAreCounted(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, GOOD);
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        BaselineStore store = new BaselineStore(dir, 10, 10, reg);
        RulesetLoader loader = new RulesetLoader("h", TimeSource.eventTime(), store, 10, reg);
        try (ReloadableMatcher m = new ReloadableMatcher(loader, List.of(f), false, false, store, reg)) {
            assertEquals(1, m.ruleCount());
            assertEquals(1.0, reg.get("vigil.rules.loaded").gauge().value());

            Files.writeString(f, GOOD + GOOD.replace("rule: A", "rule: B"));
            assertEquals(0, m.reload().errors());
            assertEquals(2, m.ruleCount());

            Files.writeString(f, GOOD + "- rule: C\n  desc: x\n  condition: proc.name = (\n  output: c\n  priority: INFO\n");
            assertEquals(1, m.reload().errors());
            assertEquals(2, m.ruleCount(), "the old set is kept");
            List<String> fired = new ArrayList<>();
            m.match(TestEvents.event("execve", "proc.name", "a"), a -> fired.add(a.rule()));
            assertEquals(List.of("A", "B"), fired);
            assertEquals(1.0, reg.get("vigil.rules.reload").tag("result", "success").counter().count());
            assertEquals(1.0, reg.get("vigil.rules.reload").tag("result", "failure").counter().count());
        }
    }

    @Test
    void watcherReloadsWhenAFileChanges(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, GOOD);
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        BaselineStore store = new BaselineStore(null, 10, 10, reg);
        RulesetLoader loader = new RulesetLoader("h", TimeSource.eventTime(), store, 10, reg);
        try (ReloadableMatcher m = new ReloadableMatcher(loader, List.of(dir), false, false, store, reg)) {
            assertEquals(false, m.pollFiles(), "nothing changed");
            Files.writeString(dir.resolve("s.yaml"), GOOD.replace("rule: A", "rule: B"));
            assertEquals(true, m.pollFiles(), "a new file in a rules directory");
            assertEquals(2, m.ruleCount());
            assertEquals(false, m.pollFiles());
        }
    }

    @Test
    void refusesToStartOnErrors(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("r.yaml");
        Files.writeString(f, "- rule: X\n  condition: (\n  output: x\n  priority: INFO\n");
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        BaselineStore store = new BaselineStore(null, 10, 10, reg);
        RulesetLoader loader = new RulesetLoader("h", TimeSource.eventTime(), store, 10, reg);
        assertThrows(IllegalStateException.class, () -> new ReloadableMatcher(loader, List.of(f), false, false, store, reg));
    }
}
