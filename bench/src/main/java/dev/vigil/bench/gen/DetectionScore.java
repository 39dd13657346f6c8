package dev.vigil.bench.gen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Scores alerts against the truth file: each attack is caught when an alert names its container
 * and its event time lies in the attack's window; every alert that matches no attack is false, except
 * the baselines' learning summaries (Informational, tag {@code baseline}), counted apart.
 * Prints one JSON line: per attack the alerts that caught it (and their rules), the misses, and
 * false alerts per million events.
 *
 * <pre>java -cp bench/target/benchmarks.jar dev.vigil.bench.gen.DetectionScore --truth T --alerts A --events N</pre>
 */
@Command(name = "detection-score", mixinStandardHelpOptions = true,
    description = "Score Falco-format alerts (JSON lines) against a NodeStreamGenerator truth file.")
public final class DetectionScore implements Callable<Integer> {
    @Option(names = "--truth", required = true)
    Path truth;

    @Option(names = "--alerts", required = true, description = "Alerts, one JSON object a line (vigil replay's stdout).")
    Path alerts;

    @Option(names = "--events", required = true, description = "Events in the stream (for false alerts per million).")
    long events;

    @Option(names = "--learning-ends", defaultValue = "-1",
        description = "Event time (ns) the rules' baseline learning period ends: also report the false alerts after it.")
    long learningEnds;

    @Option(names = "--events-after", defaultValue = "-1",
        description = "Events in the stream at or after --learning-ends (for false alerts per million after it).")
    long eventsAfter;

    @Override
    public Integer call() throws IOException {
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> attacks = new ArrayList<>();
        for (String line : Files.readAllLines(truth, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                attacks.add(json.readTree(line));
            }
        }
        Map<String, List<String>> caughtBy = new LinkedHashMap<>();
        attacks.forEach(a -> caughtBy.put(a.path("kind").asText(), new ArrayList<>()));
        long falseAlerts = 0;
        long summaries = 0;
        long falseAfter = 0;
        Map<String, Long> falseByRule = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(alerts, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode alert = json.readTree(line);
                if (alert.path("priority").asText().equals("Informational") && hasTag(alert, "baseline")) {
                    summaries++; // a learning summary for review: no detection, true or false
                    continue;
                }
                JsonNode fields = alert.path("output_fields");
                String container = fields.path("container.id").asText();
                long t = fields.path("evt.rawtime").asLong();
                String rule = alert.path("rule").asText();
                boolean hit = false;
                for (JsonNode a : attacks) {
                    if (a.path("container.id").asText().equals(container) && t >= a.path("first_rawtime").asLong()
                        && t <= a.path("last_rawtime").asLong()) {
                        // An alert about the attack: caught only by one carrying the attack's category tag.
                        if (hasTag(alert, a.path("tag").asText())) {
                            caughtBy.get(a.path("kind").asText()).add(rule);
                        }
                        hit = true;
                    }
                }
                if (!hit) {
                    if (learningEnds >= 0 && t >= learningEnds) {
                        falseAfter++;
                    }
                    falseAlerts++;
                    falseByRule.merge(rule, 1L, Long::sum);
                }
            }
        }
        Map<String, Object> report = new LinkedHashMap<>();
        List<String> missed = new ArrayList<>();
        Map<String, Object> caught = new LinkedHashMap<>();
        caughtBy.forEach((kind, rules) -> {
            if (rules.isEmpty()) {
                missed.add(kind);
            } else {
                caught.put(kind, rules.stream().distinct().toList());
            }
        });
        report.put("caught", caught);
        report.put("missed", missed);
        report.put("false_alerts", falseAlerts);
        report.put("false_alerts_per_million_events", Math.round(falseAlerts * 1e6 / events * 10) / 10.0);
        report.put("false_alerts_by_rule", falseByRule);
        report.put("baseline_summaries", summaries);
        if (learningEnds >= 0) {
            report.put("false_alerts_after_learning", falseAfter);
            if (eventsAfter > 0) {
                report.put("false_alerts_per_million_events_after_learning", Math.round(falseAfter * 1e6 / eventsAfter * 10) / 10.0);
            }
        }
        System.out.println(json.writeValueAsString(report));
        return missed.isEmpty() ? 0 : 1;
    }

    private static boolean hasTag(JsonNode alert, String tag) {
        for (JsonNode t : alert.path("tags")) {
            if (t.asText().equals(tag)) {
                return true;
            }
        }
        return false;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new DetectionScore()).execute(args));
    }
}
