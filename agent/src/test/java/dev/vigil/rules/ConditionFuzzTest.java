package dev.vigil.rules;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;

/**
 * The rule parser and loader under a coverage-guided fuzzer (Jazzer): any condition text either
 * parses or fails with a {@link ConditionSyntaxException}; put in a rule file, it either loads or is
 * reported as a problem. Nothing else may escape (a stack overflow, an index error, a hang).
 * Regression mode (every {@code mvn test}) runs the seeds; {@code JAZZER_FUZZ=1} fuzzes (60 s by default).
 */
class ConditionFuzzTest {
    private static final RulesetLoader LOADER = new RulesetLoader("fuzz", TimeSource.eventTime(),
        new BaselineStore(null, 10, 10, new SimpleMeterRegistry()), 10, new SimpleMeterRegistry());

    @FuzzTest(maxDuration = "60s")
    void parsesOrReportsEveryCondition(FuzzedDataProvider data) {
        String condition = data.consumeRemainingAsString();
        try {
            ConditionParser.parse(condition);
        } catch (ConditionSyntaxException expected) {
            // a syntax error is an answer
        }
        // In a rule file (a YAML literal block keeps the text as it is, whatever its quotes).
        StringBuilder yaml = new StringBuilder("- macro: m\n  condition: proc.name = x\n- list: l\n  items: [a, b]\n")
            .append("- rule: fuzzed\n  desc: d\n  output: o %proc.name\n  priority: NOTICE\n  condition: |-\n");
        for (String line : condition.split("\n", -1)) {
            yaml.append("    ").append(line.replace("\r", "")).append('\n');
        }
        LoadResult r = LOADER.loadSources(List.of(RulesetLoader.RuleSource.ofString("fuzz.yaml", yaml.toString())));
        if (r.loaded() + r.skipped() + r.errors() == 0 && r.problems().isEmpty()) {
            throw new AssertionError("the rule neither loaded nor was reported: " + condition);
        }
    }
}
