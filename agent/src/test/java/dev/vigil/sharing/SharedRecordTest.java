package dev.vigil.sharing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SharedRecordTest {
    private static final SharedRecord.Tuple TUPLE = new SharedRecord.Tuple("Image program", "shop/web",
        "shop/web\u001fnginx", "node-a", 1_795_000_151_000_002_000L, false);

    private static SharedRecord.Reject reject(String key, String value) {
        return assertThrows(SharedRecord.RejectedException.class,
            () -> SharedRecord.decode(key, value.getBytes(StandardCharsets.UTF_8))).reason;
    }

    @Test
    void aTupleAndAWindowComeBackAsTheyWent() throws Exception {
        assertEquals(TUPLE, SharedRecord.decode(TUPLE.key(), SharedRecord.encode(TUPLE)));
        SharedRecord.Tuple alerted = new SharedRecord.Tuple("r", "s", "s\u001ft", "n", 5, true);
        assertEquals(alerted, SharedRecord.decode(alerted.key(), SharedRecord.encode(alerted)));
        SharedRecord.Window w = new SharedRecord.Window(42, "node-1");
        assertEquals("window", w.key());
        assertEquals(w, SharedRecord.decode("window", SharedRecord.encode(w)));
    }

    @Test
    void theKeyTellsRuleScopeAndTupleApartWhateverTheyHold() {
        // A separator inside a value cannot make two different triples share a key (compaction would drop one).
        assertNotEquals(new SharedRecord.Tuple("a\",\"b", "c", "d", "n", 0, false).key(),
            new SharedRecord.Tuple("a", "b\",\"c", "d", "n", 0, false).key());
        assertEquals("[\"Image program\",\"shop/web\",\"shop/web\\u001Fnginx\"]", TUPLE.key());
    }

    @Test
    void aRecordUnderAnotherKeyIsRefused() {
        String v = new String(SharedRecord.encode(TUPLE), StandardCharsets.UTF_8);
        assertEquals(SharedRecord.Reject.key_mismatch, reject("[\"Image program\",\"shop/web\",\"other\"]", v));
        assertEquals(SharedRecord.Reject.key_mismatch, reject("window", v));
    }

    @Test
    void badValuesAreRefusedWithTheirReason() {
        assertEquals(SharedRecord.Reject.not_json, reject("window", "{not json"));
        assertEquals(SharedRecord.Reject.bad_record, reject("window", "[1,2]"));
        assertEquals(SharedRecord.Reject.bad_record, reject("window", "{\"v\":2,\"kind\":\"window\",\"start\":1,\"node\":\"n\"}"));
        assertEquals(SharedRecord.Reject.bad_record, reject("window", "{\"v\":1,\"kind\":\"window\",\"node\":\"n\"}"));
        assertEquals(SharedRecord.Reject.bad_record,
            reject("[\"r\",\"s\",\"t\"]", "{\"v\":1,\"kind\":\"tuple\",\"rule\":\"r\",\"scope\":\"s\",\"tuple\":\"t\","
                + "\"node\":\"n\",\"at\":1,\"how\":\"seeded\"}"));
        assertEquals(SharedRecord.Reject.bad_record, reject("x", "{\"v\":1,\"kind\":\"allow\",\"node\":\"n\"}"));
        assertEquals(SharedRecord.Reject.too_large, reject("window", "x".repeat(SharedRecord.MAX_VALUE_BYTES + 1)));
        assertEquals(SharedRecord.Reject.bad_record, assertThrows(SharedRecord.RejectedException.class,
            () -> SharedRecord.decode("window", null)).reason);
    }
}
