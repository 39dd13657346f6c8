package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code replay --stats}: the summary line gains the processing time and rate; without it, it is unchanged. */
class ReplayStatsTest {
    @TempDir
    Path dir;

    private JsonNode replaySummary(String... extra) throws Exception {
        Path events = dir.resolve("e.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sb.append("{\"evt.type\":\"open\",\"evt.dir\":\"<\",\"evt.rawtime\":").append(1_700_000_000_000_000_000L + i)
                .append(",\"proc.pid\":").append(100 + i % 7).append(",\"proc.name\":\"cat\",\"fd.name\":\"/etc/passwd\"}\n");
        }
        sb.append("not json\n");
        Files.writeString(events, sb.toString());
        Path cfg = dir.resolve("c.yaml");
        Files.writeString(cfg, "hostname: test-node\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ReplayCommand replay = new ReplayCommand();
        replay.out = new PrintStream(out, true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(err, true, StandardCharsets.UTF_8);
        String[] args = new String[extra.length + 4];
        System.arraycopy(extra, 0, args, 0, extra.length);
        args[extra.length] = "--config";
        args[extra.length + 1] = cfg.toString();
        args[extra.length + 2] = "--no-default-rules";
        args[extra.length + 3] = events.toString();
        int code = new CommandLine(replay).execute(args);
        String summary = err.toString(StandardCharsets.UTF_8).trim();
        assertEquals(0, code, summary);
        assertEquals(1, summary.lines().count(), "one summary line: " + summary);
        return new ObjectMapper().readTree(summary);
    }

    @Test
    void statsAddTheProcessingTimeAndRate() throws Exception {
        JsonNode s = replaySummary("--stats");
        assertEquals(1001, s.get("received").asLong());
        assertEquals(1000, s.get("processed").asLong());
        assertEquals(1, s.path("rejected").path("not_json").asLong());
        double seconds = s.get("seconds").asDouble();
        assertTrue(seconds > 0 && seconds < 60, "seconds: " + seconds);
        long rate = s.get("events_per_second").asLong();
        assertEquals(Math.round(1000 / seconds), rate, 1.0, "events_per_second = processed / seconds");
    }

    @Test
    void withoutStatsTheSummaryKeepsItsShape() throws Exception {
        JsonNode s = replaySummary();
        assertFalse(s.has("seconds"));
        assertFalse(s.has("events_per_second"));
        assertEquals(1000, s.get("processed").asLong());
    }
}
