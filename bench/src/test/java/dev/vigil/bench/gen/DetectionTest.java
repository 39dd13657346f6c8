package dev.vigil.bench.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 4's acceptance: a realistic generated node stream (many containers, host daemons using
 * CAP_SYS_ADMIN all day, fast builds, host tcpdump, the attacks mixed in) replayed through the agent
 * with its default ruleset: every attack is caught by an alert carrying its category tag and its
 * container id, and the false alerts per million events are reported. The attacks start at 60 % of the
 * stream (~14 minutes of event time), after the node's 10-minute baseline learning period.
 */
class DetectionTest {
    private static final int EVENTS = 1_000_000;

    @TempDir
    Path dir;

    @Test
    void everyAttackIsCaughtWithItsContainerId() throws Exception {
        Path events = dir.resolve("node.jsonl");
        Path truth = dir.resolve("truth.jsonl");
        assertEquals(0, new CommandLine(new NodeStreamGenerator()).execute("--events", Integer.toString(EVENTS),
            "--seed", "7", "--rate", "60", "--attacks-from", "60", "--out", events.toString(), "--truth", truth.toString()));

        Path alerts = dir.resolve("alerts.jsonl");
        PrintStream stdout = System.out;
        PrintStream stderr = System.err;
        ByteArrayOutputStream summary = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(Files.newOutputStream(alerts), false, StandardCharsets.UTF_8)) {
            System.setOut(out);
            System.setErr(new PrintStream(summary, true, StandardCharsets.UTF_8));
            assertEquals(0, Main.commandLine().execute("replay", events.toString()));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        String[] errLines = summary.toString(StandardCharsets.UTF_8).trim().split("\n");
        JsonNode s = new ObjectMapper().readTree(errLines[errLines.length - 1]);
        assertEquals(EVENTS, s.get("processed").asLong(), "every generated line is valid: " + s);

        ByteArrayOutputStream scoreOut = new ByteArrayOutputStream();
        System.setOut(new PrintStream(scoreOut, true, StandardCharsets.UTF_8));
        int missed;
        try {
            missed = new CommandLine(new DetectionScore()).execute("--truth", truth.toString(), "--alerts",
                alerts.toString(), "--events", Integer.toString(EVENTS));
        } finally {
            System.setOut(stdout);
        }
        JsonNode score = new ObjectMapper().readTree(scoreOut.toString(StandardCharsets.UTF_8));
        System.out.println("detection over " + EVENTS + " events: " + score);
        assertEquals(0, missed, "missed attacks: " + score.get("missed"));
        assertTrue(score.get("caught").size() >= 6, score.toString());
        assertTrue(score.get("false_alerts_per_million_events").asDouble() < 10,
            "false alerts per million events: " + score);
    }
}
