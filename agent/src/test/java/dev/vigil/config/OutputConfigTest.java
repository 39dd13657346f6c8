package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Priority;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    private OutputConfig one(String item) throws ConfigException {
        return loader.parse("outputs:\n  - " + item.replace("\n", "\n    ") + "\n", "t.yaml").outputs().get(0);
    }

    private String error(String item) {
        return assertThrows(ConfigException.class, () -> one(item), item).getMessage();
    }

    private static Set<String> ownKeys(OutputType t) {
        Set<String> keys = new HashSet<>();
        for (RecordComponent c : t.record().getRecordComponents()) {
            keys.add(c.getName());
        }
        keys.remove("delivery");
        return keys;
    }

    @Test
    void loadsEveryOutputKeyStrictlyWithDefaults() throws ConfigException {
        VigilConfig c = loader.parse("""
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
              - type: kafka
                url: kafka://b:9092/t
                kafkaKey: rule
                requestTimeoutMillis: 2000
                properties:
                  security.protocol: SASL_SSL
            """, "test.yaml");
        assertEquals(List.of(), c.validate());
        SyslogOutput s = assertInstanceOf(SyslogOutput.class, c.outputs().get(0));
        assertEquals("cef", s.format());
        assertEquals("local3", s.facility());
        assertEquals(1000, s.connectTimeoutMillis());
        assertEquals(new DeliveryConfig("siem", "notice", List.of("Packet socket in container"), List.of("raw_socket"),
            500, 1048576L, 5000), s.delivery());
        FileOutput f = assertInstanceOf(FileOutput.class, c.outputs().get(1));
        assertEquals(2, f.maxFiles());
        assertEquals(10000L, f.maxFileBytes());
        assertEquals(DeliveryConfig.defaults(), f.delivery());
        KafkaOutput k = assertInstanceOf(KafkaOutput.class, c.outputs().get(2));
        assertEquals("rule", k.kafkaKey());
        assertEquals(2000, k.requestTimeoutMillis());
        assertEquals(Map.of("security.protocol", "SASL_SSL"), k.properties());
    }

    @Test
    void eachTypeLoadsItsOwnRecordWithItsDefaults() throws ConfigException {
        assertEquals(StdoutOutput.defaults(), one("type: stdout"));
        assertEquals(new FileOutput(DeliveryConfig.defaults(), "/tmp/a", 100L * 1024 * 1024, 5), one("type: file\npath: /tmp/a"));
        assertEquals(new SyslogOutput(DeliveryConfig.defaults(), "syslog+udp://h:514", null, "json", "local0", null, false,
            5000), one("type: syslog\nurl: syslog+udp://h:514"));
        assertEquals(new HttpOutput(DeliveryConfig.defaults(), "http://h/", null, null, false, 5000, 10_000),
            one("type: http\nurl: http://h/"));
        assertEquals(new KafkaOutput(DeliveryConfig.defaults(), "kafka://b/t", null, null, 5000, 10_000, "container",
            Map.of()), one("type: kafka\nurl: kafka://b/t"));
        DeliveryConfig d = DeliveryConfig.defaults();
        assertEquals(new DeliveryConfig(null, "debug", List.of(), List.of(), 10_000, 256L * 1024 * 1024, 30_000), d);
        assertEquals("kafka", one("type: kafka\nurl: kafka://b/t").nameOrType());
        assertEquals(List.of(StdoutOutput.defaults()), VigilConfig.defaults().outputs(), "no outputs: stdout");
    }

    /** Every type against every key that only other types have: each is refused, naming the key and both types. */
    @Test
    void aKeyOfAnotherTypeIsAnErrorNamingTheKeyAndTheType() {
        int checked = 0;
        for (OutputType type : OutputType.values()) {
            for (OutputType other : OutputType.values()) {
                for (String key : ownKeys(other)) {
                    if (ownKeys(type).contains(key)) {
                        continue;
                    }
                    String message = error("type: " + type + "\n" + key + ": x");
                    assertTrue(message.startsWith("t.yaml: outputs[0]." + key + " is not a key of type " + type
                        + " (it belongs to type"), message);
                    assertTrue(message.contains(other.yamlName()), message);
                    checked++;
                }
            }
        }
        assertTrue(checked > 40, "pairs checked: " + checked);
        assertEquals("t.yaml: outputs[0].insecureSkipVerify is not a key of type kafka (it belongs to types syslog, http)",
            error("type: kafka\nurl: kafka://b/t\ninsecureSkipVerify: true"));
        assertEquals("t.yaml: outputs[0].format is not a key of type http (it belongs to type syslog)",
            error("type: http\nurl: http://h/\nformat: cef"));
    }

    @Test
    void typeErrorsAndUnknownKeysKeepTheirMessages() {
        assertEquals("t.yaml: outputs[0].type is required (stdout, file, syslog, http, kafka)", error("path: /tmp/a"));
        assertEquals("t.yaml: outputs[0].type must be one of stdout, file, syslog, http, kafka, got 'smtp'",
            error("type: smtp"));
        assertEquals("t.yaml: outputs[0].type must be one of stdout, file, syslog, http, kafka, got '5'",
            error("type: 5"));
        assertEquals("t.yaml: unknown key 'outputs[0].bogus'", error("type: stdout\nbogus: 1"));
        assertEquals("t.yaml: unknown key 'outputs[0].delivery'", error("type: stdout\ndelivery: {}"));
        ConfigException e = assertThrows(ConfigException.class, () -> loader.parse("outputs:\n  - stdout\n", "t.yaml"));
        assertTrue(e.getMessage().contains("outputs[0]") && e.getMessage().contains("mapping with a type"),
            e.getMessage());
    }

    @Test
    void aBadValueIsNamedByItsFlatKeyWhetherSharedOrOwn() {
        assertTrue(error("type: stdout\nqueueCapacity: lots").startsWith("t.yaml: bad value for 'outputs[0].queueCapacity'"),
            error("type: stdout\nqueueCapacity: lots"));
        assertTrue(error("type: file\npath: /a\nmaxFiles: [1]").startsWith("t.yaml: bad value for 'outputs[0].maxFiles'"),
            error("type: file\npath: /a\nmaxFiles: [1]"));
        assertTrue(error("type: stdout\nqueueCapacity: '5'").startsWith("t.yaml: bad value for 'outputs[0].queueCapacity'"),
            "no coercion of a string to a number, as elsewhere");
    }

    @Test
    void validationNamesTheKey() {
        DeliveryConfig badDelivery = new DeliveryConfig("a b", "loud", null, null, 0, 10L, 1);
        List<String> errors = new ArrayList<>();
        new SyslogOutput(badDelivery, "syslog+tcp://h:1", null, "xml", "local9", "/nonexistent/ca.pem", null, 0)
            .validate(3, errors);
        new FileOutput(null, " ", 1L, -1).validate(4, errors);
        new HttpOutput(null, null, null, null, null, 0, 0).validate(5, errors);
        new KafkaOutput(null, "kafka://b/t", null, null, null, 0, "pid", null).validate(6, errors);
        for (String key : List.of("outputs[3].minPriority", "outputs[3].name", "outputs[3].format",
            "outputs[3].queueCapacity", "outputs[3].spoolMaxBytes", "outputs[3].facility",
            "outputs[3].connectTimeoutMillis", "outputs[3].maxBackoffMillis", "outputs[3].caFile", "outputs[4].path",
            "outputs[4].maxFileBytes", "outputs[4].maxFiles", "outputs[5].url (or urlFile) is required for a http",
            "outputs[5].connectTimeoutMillis", "outputs[5].requestTimeoutMillis", "outputs[6].requestTimeoutMillis",
            "outputs[6].kafkaKey")) {
            assertTrue(errors.stream().anyMatch(e -> e.startsWith(key)), key + " in " + errors);
        }
        assertEquals(17, errors.size(), errors.toString());
    }

    /** config lists the priority names rather than import the alert stage: they must be the ones Priority reads. */
    @Test
    void minPriorityTakesExactlyTheNamesPriorityParses() {
        for (Priority p : Priority.values()) {
            for (String name : List.of(p.display(), p.name(), p.name().toLowerCase(Locale.ROOT), " " + p.display())) {
                assertTrue(DeliveryConfig.isPriorityName(name), name);
                assertEquals(p, Priority.parse(name));
            }
        }
        assertTrue(DeliveryConfig.isPriorityName("info"));
        assertEquals(Priority.values().length + 1, DeliveryConfig.PRIORITY_NAMES.size(), "the names and info");
        for (String name : DeliveryConfig.PRIORITY_NAMES) {
            Priority.parse(name);
        }
        for (String bad : List.of("loud", "warn", "", "informational2")) {
            assertFalse(DeliveryConfig.isPriorityName(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> Priority.parse(bad), bad);
        }
    }

    /** The enum that switches are checked against names every record of the sealed hierarchy, once. */
    @Test
    void outputTypeNamesEveryRecordOfTheSealedInterface() {
        Set<Class<?>> records = new HashSet<>();
        List<Class<?>> todo = new ArrayList<>(List.of(OutputConfig.class.getPermittedSubclasses()));
        while (!todo.isEmpty()) {
            Class<?> c = todo.remove(0);
            if (c.isRecord()) {
                records.add(c);
            } else {
                todo.addAll(List.of(c.getPermittedSubclasses()));
            }
        }
        Set<Class<?>> named = new HashSet<>();
        for (OutputType t : OutputType.values()) {
            assertTrue(named.add(t.record()), t.toString());
            assertEquals(t, OutputType.named(t.yamlName()));
        }
        assertEquals(records, named);
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
    void urlFileIsExclusiveWithUrlAndMustHoldOneUrl(@TempDir Path dir) throws Exception {
        Path one = Files.writeString(dir.resolve("one"), "  https://hooks.example/T/abc\n");
        Path two = Files.writeString(dir.resolve("two"), "https://a.example/\nhttps://b/\n");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path big = Files.writeString(dir.resolve("big"),
            "https://x/" + "a".repeat(RemoteOutput.MAX_URL_FILE_BYTES));
        VigilConfig c = loader.parse("outputs:\n  - type: http\n    urlFile: " + one + "\n", "t.yaml");
        assertEquals(List.of(), c.validate());
        assertEquals("https://hooks.example/T/abc", ((RemoteOutput) c.outputs().get(0)).resolveUrl());

        List<String> errors = new ArrayList<>();
        one("type: http\nurl: http://x/\nurlFile: " + one).validate(0, errors);
        for (Path bad : List.of(two, empty, big, dir.resolve("missing"))) {
            one("type: syslog\nurlFile: " + bad).validate(1, errors);
        }
        assertEquals(5, errors.size(), errors.toString());
        assertTrue(errors.get(0).contains("exclusive"), errors.get(0));
        assertTrue(errors.get(1).startsWith("outputs[1].urlFile " + two + " must hold one URL"), errors.get(1));
        assertTrue(errors.get(2).startsWith("outputs[1].urlFile " + empty + " must hold one URL"), errors.get(2));
        assertTrue(errors.get(3).contains("larger than"), errors.get(3));
        assertTrue(errors.get(4).contains("not a readable file"), errors.get(4));
        assertTrue(errors.stream().noneMatch(e -> e.contains("b.example")), "no file content in a message");
        assertEquals("t.yaml: outputs[0].urlFile is not a key of type file (it belongs to types syslog, http, kafka)",
            error("type: file\npath: /tmp/a\nurlFile: " + one));
    }
}
