package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertJsonTest {
    private final AlertJson json = new AlertJson();

    @Test
    void writesFalcosShapeWithKeysInOrderAndNanosecondTime() throws Exception {
        Alert a = TestAlerts.alert("Packet socket in container", Priority.WARNING, "de6b9f00ba11", 4242,
            1_795_000_151_000_002_000L);
        String s = json.writeString(a);
        JsonNode n = new ObjectMapper().readTree(s);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertEquals(List.of("uuid", "time", "rule", "priority", "source", "tags", "hostname", "output",
            "output_fields"), keys);
        assertEquals("2026-11-18T11:09:11.000002000Z", n.get("time").asText());
        assertEquals("Warning", n.get("priority").asText());
        assertEquals(4242, n.get("output_fields").get("proc.pid").asLong());
        assertEquals("raw_socket", n.get("tags").get(0).asText());
        assertEquals(-1, s.indexOf('\n'));
    }

    @Test
    void formatsTimeWithNineDigits() {
        assertEquals("2026-11-22T12:00:00.123456789Z", AlertJson.formatTime(1_795_348_800_123_456_789L));
        assertEquals("1970-01-01T00:00:00.000000000Z", AlertJson.formatTime(0));
    }

    @Test
    void formatsTimeAsJavaTimeDoesOverItsWholeRange() {
        // java.time's formatter as the oracle over every time a long of nanoseconds can hold (1677 to
        // 2262), with the edges of a second and of a day.
        java.time.format.DateTimeFormatter f = java.time.format.DateTimeFormatter
            .ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(java.time.ZoneOffset.UTC);
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        List<Long> times = new ArrayList<>(List.of(0L, -1L, 1L, 999_999_999L, 1_000_000_000L, 86_399_999_999_999L,
            86_400_000_000_000L, -86_400_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE));
        for (int i = 0; i < 20_000; i++) {
            times.add(r.nextLong(-2_208_988_800_000_000_000L, Long.MAX_VALUE)); // 1900 .. 2262
        }
        for (long t : times) {
            java.time.Instant instant = java.time.Instant.ofEpochSecond(Math.floorDiv(t, 1_000_000_000L),
                Math.floorMod(t, 1_000_000_000L));
            assertEquals(f.format(instant), AlertJson.formatTime(t), "time " + t);
        }
    }

    @Test
    void roundTripsHostileValues() {
        Alert a = TestAlerts.hostile();
        Alert b = json.read(json.write(a));
        assertEquals(a, b);
        assertEquals(-1, json.writeString(a).indexOf('\n'));
    }

    @Test
    void readsBackTypedValues() {
        Alert b = json.read(json.write(TestAlerts.numbered(7)));
        Map<String, Object> f = b.outputFields();
        assertEquals(7L, f.get("vigil.test.seq"));
        assertEquals("de6b9f00ba11", f.get("container.id"));
    }

    /**
     * Issue 16, finding 9: Jackson escapes C0 itself, but wrote DEL, NEL, U+2028 and the bidi controls raw.
     * Each is escaped now, and reads back as itself.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.FieldSource("dev.vigil.alert.CefFormatTest#CONTROLS")
    void escapesEveryControlCharacterAndReadsItBack(char c) {
        Alert a = TestAlerts.withControl(c);
        String text = json.writeString(a);
        assertEquals(null, TestAlerts.firstControl(text), text);
        String escaped = "\\u" + Integer.toHexString(0x10000 | c).substring(1);
        assertTrue(text.toLowerCase(java.util.Locale.ROOT).contains(escaped) || (c == '\t' && text.contains("\\t")),
            text);
        assertEquals(a, json.read(json.write(a)));
    }
}
