package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
