package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Errno;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.event.SocketNames;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Replays the test events shipped beside the default rules (rules/vigil_rules.events.jsonl, wire
 * format) through the default ruleset with event time, and compares the alerts per rule with
 * rules/vigil_rules.expected.json. The lines are decoded here by a minimal stand-in for the ingest
 * decoder, applying the wire contract's normalisations (names resolved, SOCK_ flags masked, caps
 * masks in any form, evt.rawres wins, evt.failed derived).
 */
class ShippedRuleEventsTest {
    static final Path RULES_DIR = Path.of(System.getProperty("vigil.rules.dir", "../rules"));
    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shippedEventsGiveTheExpectedAlerts() throws Exception {
        RuleEngine engine = RulesetLoader.forCheck().load(List.of(RULES_DIR.resolve("vigil_rules.yaml")), false).matcher();
        Map<String, Integer> got = new TreeMap<>();
        for (String line : Files.readAllLines(RULES_DIR.resolve("vigil_rules.events.jsonl"))) {
            engine.match(decode(JSON.readTree(line)), a -> got.merge(a.rule(), 1, Integer::sum));
        }
        Map<String, Integer> expected = new TreeMap<>();
        JSON.readTree(RULES_DIR.resolve("vigil_rules.expected.json").toFile()).path("alerts").fields()
            .forEachRemaining(e -> {
                if (e.getValue().asInt() > 0) {
                    expected.put(e.getKey(), e.getValue().asInt());
                }
            });
        assertEquals(expected, got);
    }

    static Event decode(JsonNode n) {
        Event e = new Event();
        e.clear();
        e.setValid(true);
        n.fields().forEachRemaining(kv -> {
            String k = kv.getKey();
            JsonNode v = kv.getValue();
            if (k.equals("evt.type")) {
                e.setEventType(EventTypes.id(v.asText()));
                e.setText(Field.EVT_TYPE, v.asText());
                return;
            }
            if (k.equals("evt.rawres")) {
                e.setLong(Field.EVT_RES, v.asLong());
                return;
            }
            Field f = Field.byName(k);
            if (f == null) {
                TestEvents.set(e, k, v.asText());
                return;
            }
            switch (f.kind()) {
                case STRING -> e.setText(f, v.asText());
                case BOOL -> e.setBool(f, v.asBoolean());
                case CAPS -> e.setLong(f, Capabilities.parseMask(v.asText()));
                case LONG -> {
                    if (f == Field.EVT_RES && e.has(Field.EVT_RES) && n.has("evt.rawres")) {
                        return;
                    }
                    e.setLong(f, v.isNumber() ? v.asLong() : byName(f, v.asText()));
                    if (f == Field.EVT_ARG_TYPE) {
                        e.setLong(f, e.getLong(f) & SocketNames.SOCK_TYPE_MASK);
                    }
                }
            }
        });
        if (!e.has(Field.EVT_FAILED) && e.has(Field.EVT_RES)) {
            e.setBool(Field.EVT_FAILED, e.getLong(Field.EVT_RES) < 0);
        }
        return e;
    }

    static long byName(Field f, String s) {
        char[] c = s.toCharArray();
        return switch (f) {
            case EVT_RES -> Errno.value(c, 0, c.length);
            case EVT_ARG_DOMAIN -> SocketNames.family(c, 0, c.length);
            case EVT_ARG_TYPE -> SocketNames.type(c, 0, c.length);
            case EVT_ARG_CAP -> Capabilities.number(s);
            default -> Chars.parseLong(c, 0, c.length);
        };
    }
}
