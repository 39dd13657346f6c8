package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** aggregate.window and baseline.learn: a duration, or the rule is refused with a message that names it. */
class RuleDurationTest {
    private static LoadResult load(String window) {
        String rule = """
            - rule: Clone burst
              desc: x
              condition: evt.type = clone
              output: burst in %container.id
              priority: WARNING
              aggregate: {by: [container.id], window: "WINDOW", count: 5}
            """.replace("WINDOW", window);
        return new RulesetLoader("node-1", TimeSource.eventTime(), null, 100, new SimpleMeterRegistry())
            .loadSources(List.of(RulesetLoader.RuleSource.ofString("t.yaml", rule)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3s", "..s", ".", "1..5m", "\u0661s", "\u0661\u0660m", "s", "", "-1s", "0s", "5 parsecs", "3651d", "99999999999999999999d"})
    void aWindowThatIsNoDurationIsRefusedWithItsKeyNamed(String window) {
        LoadResult r = load(window);
        assertEquals(1, r.errors(), r.problems().toString());
        assertTrue(r.problems().toString().contains("aggregate.window"), r.problems().toString());
    }

    @ParameterizedTest
    @CsvSource({"1s, 1000000000", "1.5s, 1500000000", "10m, 600000000000", ".5s, 500000000", "250ms, 250000000", "2, 2000000000", "3650d, 315360000000000000"})
    void durationsReadAsTheirNanoseconds(String text, long nanos) throws RuleCompileException {
        assertEquals(nanos, RuleCompiler.duration(text, "aggregate.window"));
    }
}
