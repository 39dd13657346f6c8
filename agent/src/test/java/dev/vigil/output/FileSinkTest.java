package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.AlertJson;
import dev.vigil.alert.TestAlerts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkTest {
    @TempDir
    Path tmp;

    @Test
    void rotatesBySizeKeepingNFilesAndWholeLines() throws Exception {
        Path p = tmp.resolve("logs/alerts.json");
        FileSink sink = new FileSink(p, 8192, 2);
        for (int i = 0; i < 100; i++) {
            sink.send(TestAlerts.numbered(i));
            sink.flush();
        }
        sink.close(Duration.ofSeconds(1));
        assertTrue(Files.exists(p));
        assertTrue(Files.exists(tmp.resolve("logs/alerts.json.1")));
        assertTrue(Files.exists(tmp.resolve("logs/alerts.json.2")));
        assertFalse(Files.exists(tmp.resolve("logs/alerts.json.3")));
        List<Long> seqs = new ArrayList<>();
        AlertJson json = new AlertJson();
        for (String name : List.of("alerts.json.2", "alerts.json.1", "alerts.json")) {
            Path f = tmp.resolve("logs").resolve(name);
            assertTrue(Files.size(f) <= 8192);
            for (String line : Files.readAllLines(f)) {
                seqs.add((Long) json.read(line.getBytes()).outputFields().get("vigil.test.seq"));
            }
        }
        // The newest alerts, contiguous and in order, ending with the last.
        assertEquals(99L, seqs.get(seqs.size() - 1));
        for (int i = 1; i < seqs.size(); i++) {
            assertEquals(seqs.get(i - 1) + 1, seqs.get(i));
        }
    }
}
