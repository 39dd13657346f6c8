package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.VigilConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import dev.vigil.testing.Repo;
import org.junit.jupiter.api.Test;

/**
 * The default ruleset's fixtures (rules/tests/): events that must fire each rule and near misses
 * that must not, replayed through the real pipeline (decoder, state stage, rules) by the runner
 * {@code vigil rules test} uses, over the embedded default ruleset as the agent loads it; the alerts
 * per rule must be exactly the expected counts (read here from the fixture, not through the runner).
 */
class ShippedRuleFixturesTest {
    @Test
    void eachRuleFiresExactlyOnItsFixtures() throws Exception {
        Path rules = Repo.root().resolve("rules").resolve("vigil_rules.yaml");
        RuleFixtures.Fixture fixture = RuleFixtures.Fixture.of(rules);
        assertEquals(Repo.root().resolve("rules").resolve("tests/vigil_rules.events.jsonl"), fixture.events());
        assertTrue(fixture.exists(), fixture.toString());

        RuleFixtures.Outcome outcome = RuleFixtures.run(VigilConfig.defaults(), fixture);

        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> expected = new TreeMap<>();
        JsonNode want = json.readTree(Repo.root().resolve("rules").resolve("tests/vigil_rules.expected.json").toFile()).path("alerts");
        want.fields().forEachRemaining(e -> {
            if (e.getValue().asInt() > 0) {
                expected.put(e.getKey(), e.getValue().asInt());
            }
        });
        assertEquals(expected, outcome.fired());
        assertEquals(outcome.received(), outcome.processed(), "every fixture line decodes");
        assertTrue(outcome.matches(), outcome.toString());
    }
}
