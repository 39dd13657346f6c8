package dev.vigil.rules;

import dev.vigil.rules.naive.NaiveMapInterpreter;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The benchmark's baseline agrees with the engine on a simple ruleset. */
class NaiveMapInterpreterTest {
    @Test
    void matchesLikeTheEngine() throws Exception {
        String rules = LoaderTest.BASE;
        NaiveMapInterpreter n = NaiveMapInterpreter.load(List.of(new ByteArrayInputStream(rules.getBytes(StandardCharsets.UTF_8))));
        assertEquals(1, n.ruleCount());
        assertEquals(List.of("Shell"), n.match(Map.of("evt.type", "execve", "proc.name", "bash", "proc.pid", 7L)));
        assertEquals(0, n.matchCount(Map.of("evt.type", "open", "proc.name", "bash")));
        LoadResult r = LoaderTest.load(rules);
        assertEquals(1, LoaderTest.fire(r, TestEvents.event("execve", "proc.name", "bash")).size());
    }
}
