package dev.vigil.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.config.ConfigException;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.ingest.RejectReason;
import dev.vigil.pipeline.EventPipeline;
import dev.vigil.pipeline.PipelineMetrics;
import dev.vigil.rules.RuleEngine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Rule fixtures: a rule file's test events replayed through the same pipeline as {@code vigil replay}
 * (decoder, state stage, rules; event time drives windows and baselines, which start empty), the
 * alerts counted per rule and compared with the expected counts. {@code vigil rules test} and the
 * shipped ruleset's test run this same code.
 *
 * <p>The format (the project's {@code rules/tests/}): beside a rule file {@code DIR/NAME.yaml} (or
 * {@code .yml}), {@code DIR/tests/NAME.events.jsonl} — events, one JSON object per line, as a
 * producer sends them — and {@code DIR/tests/NAME.expected.json} —
 * {@code {"alerts": {"Rule name": count, …}}}. A rule listed with 0 must not fire; a rule that fires
 * but is not listed is a mismatch, as is an event line the agent rejects.
 *
 * <p>Stateless; each {@link #run} builds its own ruleset, pipeline and meters.
 */
final class RuleFixtures {
    /** The directory beside a rule file that holds its fixtures. */
    static final String TESTS_DIR = "tests";
    static final String EVENTS_SUFFIX = ".events.jsonl";
    static final String EXPECTED_SUFFIX = ".expected.json";

    private RuleFixtures() {
    }

    /** A rule file's fixture: its events and its expected alert counts. */
    record Fixture(Path ruleFile, Path events, Path expected) {
        /** Where the fixture of {@code ruleFile} is, whether or not it exists. */
        static Fixture of(Path ruleFile) {
            String name = ruleFile.getFileName().toString();
            String stem = name.replaceFirst("\\.ya?ml$", "");
            Path dir = ruleFile.getParent() != null ? ruleFile.getParent().resolve(TESTS_DIR) : Path.of(TESTS_DIR);
            return new Fixture(ruleFile, dir.resolve(stem + EVENTS_SUFFIX), dir.resolve(stem + EXPECTED_SUFFIX));
        }

        boolean exists() {
            return Files.isRegularFile(events) && Files.isRegularFile(expected);
        }
    }

    /** One rule's verdict: alerts fired and expected ({@link #NOT_LISTED} when the expected file does not name it). */
    record RuleCount(String rule, int expected, int fired) {
        static final int NOT_LISTED = -1;

        boolean ok() {
            return fired == Math.max(expected, 0);
        }
    }

    /**
     * What a fixture gave: a verdict per rule (the expected file's rules in its order, then the rules
     * that fired unlisted, by name), and the events read, processed and rejected.
     */
    record Outcome(Fixture fixture, List<RuleCount> rules, long received, long processed,
                   Map<String, Long> rejected) {
        boolean matches() {
            return received == processed && rules.stream().allMatch(RuleCount::ok);
        }

        /** Alerts per rule that fired at least once. */
        Map<String, Integer> fired() {
            Map<String, Integer> m = new TreeMap<>();
            rules.stream().filter(r -> r.fired() > 0).forEach(r -> m.put(r.rule(), r.fired()));
            return m;
        }
    }

    /**
     * The expected counts of a fixture, in the file's order.
     *
     * @throws IOException when it cannot be read or is not {@code {"alerts": {name: non-negative integer}}}
     */
    static Map<String, Integer> expected(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IOException(file + ": invalid JSON: " + e.getOriginalMessage(), e);
        }
        JsonNode alerts = root == null ? null : root.get("alerts");
        if (alerts == null || !alerts.isObject()) {
            throw new IOException(file + ": needs an \"alerts\" object of rule name: count");
        }
        Map<String, Integer> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = alerts.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().canConvertToInt() || !e.getValue().isIntegralNumber() || e.getValue().asInt() < 0) {
                throw new IOException(file + ": the count of '" + e.getKey() + "' must be a non-negative integer");
            }
            out.put(e.getKey(), e.getValue().asInt());
        }
        return out;
    }

    /**
     * Replays the fixture's events through the rules {@code config} names ({@code rules.paths},
     * {@code rules.includeDefault}) and compares the alerts with the expected counts.
     *
     * @throws ConfigException when the rules have errors
     * @throws IOException     when the events or the expected counts cannot be read
     */
    static Outcome run(VigilConfig config, Fixture fixture) throws ConfigException, IOException {
        Map<String, Integer> expected = expected(fixture.expected());
        VigilConfig c = ReplayCommand.forReplay(config);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RuleEngine rules = Stages.replayRules(c, Stages.hostname(c), registry);
        IngestMetrics ingest = new IngestMetrics(registry);
        PipelineMetrics processed = new PipelineMetrics(registry);
        // The pipeline's one consumer thread emits; the map is read after the drain.
        Map<String, Integer> fired = new TreeMap<>();
        EventPipeline pipeline = ReplayCommand.pipeline(c, rules, a -> fired.merge(a.rule(), 1, Integer::sum), ingest,
            processed, registry);
        try (InputStream in = Files.newInputStream(fixture.events())) {
            ReplayCommand.pump(c, in, pipeline);
        } finally {
            pipeline.drain(Duration.ofMinutes(10));
        }
        List<RuleCount> verdicts = new ArrayList<>();
        expected.forEach((rule, n) -> verdicts.add(new RuleCount(rule, n, fired.getOrDefault(rule, 0))));
        fired.forEach((rule, n) -> {
            if (!expected.containsKey(rule)) {
                verdicts.add(new RuleCount(rule, RuleCount.NOT_LISTED, n));
            }
        });
        Map<String, Long> rejected = new TreeMap<>();
        for (Map.Entry<RejectReason, Long> e : ingest.rejectedCounts().entrySet()) {
            if (e.getValue() > 0) {
                rejected.put(e.getKey().label(), e.getValue());
            }
        }
        return new Outcome(fixture, verdicts, ingest.receivedCount(), processed.processedCount(), rejected);
    }
}
