package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputConfigTest {
    @Test
    void loadsEveryOutputKeyStrictlyWithDefaults() throws ConfigException {
        VigilConfig c = new ConfigLoader().parse("""
            outputs:
              - type: syslog
                name: siem
                url: syslog+tls://siem.example:6514
                format: cef
                facility: local3
                minPriority: notice
                rules: [Packet socket in container]
                tags: [raw_socket]
                queueCapacity: 500
                spoolMaxBytes: 1048576
                insecureSkipVerify: false
                connectTimeoutMillis: 1000
                maxBackoffMillis: 5000
              - type: file
                path: /tmp/alerts.json
                maxFileBytes: 10000
                maxFiles: 2
            """, "test.yaml");
        assertEquals(List.of(), c.validate());
        OutputConfig s = c.outputs().get(0);
        assertEquals("cef", s.format());
        assertEquals(List.of("raw_socket"), s.tags());
        assertEquals(500, s.queueCapacity());
        assertEquals(OutputConfig.DEFAULT_REQUEST_TIMEOUT_MILLIS, s.requestTimeoutMillis());
        assertEquals(2, c.outputs().get(1).maxFiles());
        assertEquals("json", c.outputs().get(1).format());
    }

    @Test
    void validationNamesTheKey() {
        OutputConfig bad = new OutputConfig("syslog", "syslog+tcp://h:1", null, "loud", "a b", "xml", null, null, 0,
            10L, "local9", "/nonexistent/ca.pem", null, 0, 0, 1L, -1, 1, "pid", null, null);
        List<String> errors = new ArrayList<>();
        bad.validate(3, errors);
        for (String key : List.of("minPriority", "name", "format", "queueCapacity", "spoolMaxBytes", "facility",
            "connectTimeoutMillis", "requestTimeoutMillis", "maxFileBytes", "maxFiles", "maxBackoffMillis", "kafkaKey",
            "caFile")) {
            assertTrue(errors.stream().anyMatch(e -> e.startsWith("outputs[3]." + key)), key + " in " + errors);
        }
    }

    @Test
    void alertsConfigDefaultsAndValidation() {
        AlertsConfig d = AlertsConfig.defaults();
        assertEquals(60, d.dedupPeriodSeconds());
        assertEquals(List.of("container.id", "proc.name"), d.dedupKeys());
        assertEquals("/var/lib/vigil/spool", d.spoolDir());
        List<String> errors = new ArrayList<>();
        new AlertsConfig(-1, null, 0, -1.0, 0, " ").validate(errors);
        assertEquals(5, errors.size(), errors.toString());
        assertTrue(errors.stream().allMatch(e -> e.startsWith("alerts.")));
    }

    @Test
    void urlFileIsExclusiveWithUrlAndMustHoldOneUrl(@TempDir Path dir)
        throws Exception {
        Path one = Files.writeString(dir.resolve("one"), "  https://hooks.example/T/abc\n");
        Path two = Files.writeString(dir.resolve("two"), "https://a.example/\nhttps://b/\n");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path big = Files.writeString(dir.resolve("big"),
            "https://x/" + "a".repeat(OutputConfig.MAX_URL_FILE_BYTES));
        VigilConfig c = new ConfigLoader().parse("outputs:\n  - type: http\n    urlFile: " + one + "\n", "t.yaml");
        assertEquals(List.of(), c.validate());
        assertEquals("https://hooks.example/T/abc", c.outputs().get(0).resolveUrl());

        List<String> errors = new ArrayList<>();
        OutputConfig both = new ConfigLoader().parse("outputs:\n  - type: http\n    url: http://x/\n    urlFile: " + one
            + "\n", "t.yaml").outputs().get(0);
        both.validate(0, errors);
        for (Path bad : List.of(two, empty, big, dir.resolve("missing"))) {
            new ConfigLoader().parse("outputs:\n  - type: syslog\n    urlFile: " + bad + "\n", "t.yaml").outputs().get(0)
                .validate(1, errors);
        }
        new ConfigLoader().parse("outputs:\n  - type: file\n    path: /tmp/a\n    urlFile: " + one + "\n", "t.yaml")
            .outputs().get(0).validate(2, errors);
        assertEquals(6, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("exclusive"), errors.get(0));
        assertTrue(errors.get(1).startsWith("outputs[1].urlFile " + two + " must hold one URL"), errors.get(1));
        assertTrue(errors.get(2).startsWith("outputs[1].urlFile " + empty + " must hold one URL"), errors.get(2));
        assertTrue(errors.get(3).contains("larger than"), errors.get(3));
        assertTrue(errors.get(4).contains("not a readable file"), errors.get(4));
        assertTrue(errors.get(5).startsWith("outputs[2].urlFile is for syslog"), errors.get(5));
        assertTrue(errors.stream().noneMatch(e -> e.contains("b.example")), "no file content in a message");
    }
}
