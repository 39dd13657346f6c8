package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import dev.vigil.testing.Repo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The default ruleset's fixtures (rules/tests/): events that must fire each rule and near misses
 * that must not, replayed through the real pipeline (decoder, state stage, rules) as
 * {@code vigil replay} runs it; the alerts per rule must be exactly the expected counts.
 */
class ShippedRuleFixturesTest {
    @TempDir
    Path dir;

    @Test
    void eachRuleFiresExactlyOnItsFixtures() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ReplayCommand replay = new ReplayCommand();
        replay.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "hostname: test-node\n");
        int code = new CommandLine(replay).execute("--config", cfg.toString(),
            Repo.root().resolve("rules").resolve("tests/vigil_rules.events.jsonl").toString());
        assertEquals(0, code, err.toString(StandardCharsets.UTF_8));

        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> actual = new TreeMap<>();
        for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!line.isBlank()) {
                actual.merge(json.readTree(line).path("rule").asText(), 1, Integer::sum);
            }
        }
        Map<String, Integer> expected = new TreeMap<>();
        JsonNode want = json.readTree(Repo.root().resolve("rules").resolve("tests/vigil_rules.expected.json").toFile()).path("alerts");
        want.fields().forEachRemaining(e -> {
            if (e.getValue().asInt() > 0) {
                expected.put(e.getKey(), e.getValue().asInt());
            }
        });
        assertEquals(expected, actual);
        JsonNode summary = json.readTree(err.toString(StandardCharsets.UTF_8).trim());
        assertEquals(summary.get("received").asLong(), summary.get("processed").asLong(), "every fixture line decodes");
    }
}
