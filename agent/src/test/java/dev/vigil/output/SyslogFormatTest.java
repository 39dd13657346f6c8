package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.Priority;
import dev.vigil.alert.TestAlerts;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Checks messages with a parser that follows RFC 5424's ABNF (§6) and RFC 6587's octet counting. */
class SyslogFormatTest {
    record Rfc5424(int pri, String timestamp, String hostname, String app, String procId, String msgId,
                   String sd, String msg) {
    }

    static Rfc5424 parse(byte[] bytes) {
        String s = new String(bytes, StandardCharsets.UTF_8);
        assertTrue(s.charAt(0) == '<', "PRI starts with <");
        int gt = s.indexOf('>');
        String priText = s.substring(1, gt);
        assertTrue(priText.matches("0|[1-9][0-9]{0,2}"), "PRIVAL " + priText);
        int pri = Integer.parseInt(priText);
        assertTrue(pri <= 191, "PRIVAL range");
        assertTrue(s.startsWith("1 ", gt + 1), "VERSION 1");
        int p = gt + 3;
        String[] f = new String[6];
        for (int i = 0; i < 5; i++) {
            int sp = s.indexOf(' ', p);
            f[i] = s.substring(p, sp);
            p = sp + 1;
        }
        int[] max = {0, 255, 48, 128, 32};
        for (int i = 0; i < 5; i++) {
            String v = f[i];
            assertTrue(!v.isEmpty(), "empty header field " + i);
            for (char c : v.toCharArray()) {
                assertTrue(c >= 33 && c <= 126, "PRINTUSASCII in field " + i + ": " + (int) c);
            }
            if (i > 0) {
                assertTrue(v.length() <= max[i], "field " + i + " length " + v.length());
            }
        }
        assertTrue(f[0].matches("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})"),
            "TIMESTAMP " + f[0]);
        OffsetDateTime.parse(f[0]);
        assertTrue(s.startsWith("- ", p), "STRUCTURED-DATA is NILVALUE");
        byte[] msg = Arrays.copyOfRange(bytes, bytes.length - (s.substring(p + 2).getBytes(StandardCharsets.UTF_8).length), bytes.length);
        assertTrue(!(msg.length >= 3 && (msg[0] & 0xff) == 0xEF && (msg[1] & 0xff) == 0xBB), "no BOM");
        return new Rfc5424(pri, f[0], f[1], f[2], f[3], f[4], "-", new String(msg, StandardCharsets.UTF_8));
    }

    @Test
    void frameFollowsRfc5424WithHostileValues() {
        Alert a = TestAlerts.hostile();
        SyslogFormat fmt = new SyslogFormat("local0", SyslogFormat.Body.json, "0.1.0");
        Rfc5424 m = parse(fmt.message(a));
        assertEquals(16 * 8 + 2, m.pri());
        assertEquals("2026-11-18T11:09:11.000002Z", m.timestamp());
        assertEquals(255, m.hostname().length());
        assertTrue(m.hostname().startsWith("node_1|__h"), m.hostname());
        assertEquals("vigil", m.app());
        assertEquals(Long.toString(ProcessHandle.current().pid()), m.procId());
        assertEquals("alert", m.msgId());
        assertEquals(a, new AlertJson().read(m.msg().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void cefBodyParsesBack() {
        Alert a = TestAlerts.hostile();
        SyslogFormat fmt = new SyslogFormat("user", SyslogFormat.Body.cef, "0.1.0");
        Rfc5424 m = parse(fmt.message(a));
        assertEquals(8 + 2, m.pri());
        var cef = dev.vigil.alert.CefFormatTestAccess.parse(m.msg());
        assertEquals(a.output(), cef.get("msg"));
    }

    @Test
    void priorityMapsToSeverity() {
        SyslogFormat fmt = new SyslogFormat("kern", SyslogFormat.Body.json, "0.1.0");
        for (Priority p : Priority.values()) {
            Alert a = TestAlerts.alert("r", p, "c", 1, 0);
            assertEquals(p.ordinal(), parse(fmt.message(a)).pri());
        }
    }

    @Test
    void octetCountingPrefixesByteLength() {
        byte[] msg = "<14>1 - - - - - - \u00e9".getBytes(StandardCharsets.UTF_8);
        byte[] framed = SyslogFormat.octetCounted(msg);
        String s = new String(framed, StandardCharsets.UTF_8);
        int sp = s.indexOf(' ');
        assertEquals(msg.length, Integer.parseInt(s.substring(0, sp)));
        assertEquals(msg.length, framed.length - sp - 1);
    }

    /** Issue 16, finding 9: both bodies, every control character, never raw in the message. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.FieldSource("dev.vigil.alert.CefFormatTest#CONTROLS")
    void neitherBodyCarriesAControlCharacterRaw(char c) {
        Alert a = TestAlerts.withControl(c);
        for (SyslogFormat.Body body : SyslogFormat.Body.values()) {
            byte[] bytes = new SyslogFormat("local0", body, "0.1.0").message(a);
            Rfc5424 m = parse(bytes);
            assertEquals(null, TestAlerts.firstControl(new String(bytes, StandardCharsets.UTF_8)), body + ": " + m.msg());
            if (body == SyslogFormat.Body.json) {
                assertEquals(a, new AlertJson().read(m.msg().getBytes(StandardCharsets.UTF_8)));
            }
        }
    }
}
