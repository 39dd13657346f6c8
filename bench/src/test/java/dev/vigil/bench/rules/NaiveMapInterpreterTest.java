package dev.vigil.bench.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.alert.Alert;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.rules.LoadResult;
import dev.vigil.rules.RulesetLoader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The benchmark's baseline agrees with the engine on a simple ruleset. */
class NaiveMapInterpreterTest {
    private static final String RULES = """
        - list: shells
          items: [bash, sh]
        - macro: spawned_process
          condition: evt.type = execve
        - rule: Shell
          desc: a shell
          condition: spawned_process and proc.name in (shells)
          output: shell %proc.name (pid=%proc.pid user=%user.name)
          priority: WARNING
        """;

    @Test
    void matchesLikeTheEngine() throws Exception {
        NaiveMapInterpreter n = NaiveMapInterpreter.load(List.of(new ByteArrayInputStream(RULES.getBytes(StandardCharsets.UTF_8))));
        assertEquals(1, n.ruleCount());
        assertEquals(List.of("Shell"), n.match(Map.of("evt.type", "execve", "proc.name", "bash", "proc.pid", 7L)));
        assertEquals(0, n.matchCount(Map.of("evt.type", "open", "proc.name", "bash")));

        LoadResult r = RulesetLoader.forCheck().loadSources(List.of(new RulesetLoader.RuleSource() {
            @Override
            public String name() {
                return "rules.yaml";
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(RULES.getBytes(StandardCharsets.UTF_8));
            }
        }));
        assertEquals(1, fire(r, "{\"evt.type\":\"execve\",\"proc.name\":\"bash\",\"proc.pid\":7}").size());
        assertEquals(0, fire(r, "{\"evt.type\":\"open\",\"proc.name\":\"bash\",\"proc.pid\":7}").size());
    }

    private static List<Alert> fire(LoadResult r, String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        Event e = new Event();
        assertEquals(null, new EventDecoder().decode(b, 0, b.length, e, 0));
        List<Alert> out = new ArrayList<>();
        r.matcher().match(e, out::add);
        return out;
    }
}
