package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EventDecoderTest {
    private static final long RECEIVED = 1_000_000_000L;
    private final EventDecoder decoder = new EventDecoder();
    private final Event event = new Event();

    private RejectReason decode(String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        return decoder.decode(b, 0, b.length, event, RECEIVED);
    }

    private RejectReason decodeBytes(byte[] line) {
        byte[] b = new byte[line.length + 1];
        System.arraycopy(line, 0, b, 0, line.length);
        b[line.length] = '\n';
        return decoder.decode(b, 0, b.length, event, RECEIVED);
    }

    @Test
    void everyEventTypeIsResolvedLineAfterLineThroughOneConnectionsDecoder() {
        // The flat path keeps the ids of the type names it saw in a small cache: names that collide in
        // it, share a prefix, differ past 8 or 16 bytes, or end near the buffer's end must still get the
        // name table's answer, every time.
        List<String> names = new ArrayList<>();
        for (int id = 0; id < EventTypes.COUNT; id++) {
            names.add(EventTypes.name(id));
        }
        for (String n : List.of("clone", "execve", "socket", "open")) {
            names.add(n + "3");
            names.add(n.substring(0, n.length() - 1));
            names.add(n.toUpperCase(java.util.Locale.ROOT));
        }
        names.addAll(List.of("", "a", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq", "x".repeat(40)));
        for (int k = 0; k < 200; k++) { // beside known names of the same first 8 bytes, in every slot
            names.add("process_" + k);
            names.add("inotify_" + k);
            names.add("renameat" + k);
        }
        for (int round = 0; round < 3; round++) {
            for (String name : names) {
                int expected = EventTypes.id(name);
                assertNull(decode("{\"evt.type\":\"" + name + "\",\"proc.pid\":12345678,\"user.uid\":0}"), name);
                assertEquals(expected, event.eventType(), name);
                byte[] tight = ("{\"proc.pid\":1,\"evt.type\":\"" + name + "\"}\n").getBytes(StandardCharsets.US_ASCII);
                assertNull(decoder.decode(tight, 0, tight.length, event, RECEIVED), name);
                assertEquals(expected, event.eventType(), name + ", the name ending a line at the buffer's end");
            }
        }
        assertEquals(0, decoder.generalLines(), "all on the flat path");
    }

    @Test
    void aKeyOneByteOffThePredictedOneIsNotTakenForIt() {
        // After a line teaches the decoder which key follows evt.type, a line with a name one byte off
        // it, at any place of the name, must decode as a fresh decoder (no predictions) decodes it.
        for (String key : SlotWriter.knownKeys()) {
            if (key.equals("evt.type")) {
                continue;
            }
            for (int i = 0; i < key.length(); i++) {
                String near = key.substring(0, i) + (key.charAt(i) == 'X' ? 'Y' : 'X') + key.substring(i + 1);
                decode("{\"evt.type\":\"open\",\"" + key + "\":\"1\",\"proc.pid\":1}"); // teaches the prediction
                byte[] b = ("{\"evt.type\":\"open\",\"" + near + "\":\"1\",\"proc.pid\":1}\n").getBytes(StandardCharsets.US_ASCII);
                RejectReason reason = decoder.decode(b, 0, b.length, event, RECEIVED);
                Event fresh = new Event();
                assertEquals(new EventDecoder().decode(b, 0, b.length, fresh, RECEIVED), reason, near);
                assertEquals(fresh.toString(), event.toString(), near + " after " + key);
            }
        }
    }

    @Test
    void capabilitySetsThatRepeatOrChangeInAnyByteAreReadAsAFreshDecoderReadsThem() {
        // The flat path remembers the last capability text it read, as three words: a text one byte
        // off it, in any of them, must still be read afresh.
        String base = "0x00000000a80425fb";
        List<String> texts = new ArrayList<>(List.of(base, "0xa80425fb", "0x1234567", "0x0000003fffffffff", "0X00000000A80425FB",
            "12345678", "CAP_CHOWN", "0x00000000a80425fbb", "0x00000000a80425f"));
        for (int i = 2; i < base.length(); i++) {
            texts.add(base.substring(0, i) + (base.charAt(i) == '1' ? '2' : '1') + base.substring(i + 1));
        }
        for (int round = 0; round < 2; round++) {
            for (String t : texts) {
                for (String caps : List.of(base, t, t)) {
                    byte[] b = ("{\"evt.type\":\"open\",\"thread.cap_effective\":\"" + caps + "\",\"proc.pid\":1}\n")
                        .getBytes(StandardCharsets.US_ASCII);
                    RejectReason reason = decoder.decode(b, 0, b.length, event, RECEIVED);
                    Event fresh = new Event();
                    assertEquals(new EventDecoder().decode(b, 0, b.length, fresh, RECEIVED), reason, caps);
                    assertEquals(fresh.toString(), event.toString(), caps);
                }
            }
        }
    }

    @Test
    void decodesTheWireContractFields() {
        assertNull(decode("{\"evt.type\":\"socket\",\"evt.rawtime\":1795000151000002000,\"proc.pid\":4242,"
            + "\"proc.name\":\"tcpdump\",\"container.id\":\"de6b9f00ba11\",\"evt.arg.domain\":\"AF_PACKET\","
            + "\"evt.arg.type\":524291,\"evt.arg.proto\":768,\"user.uid\":0,\"container.privileged\":false}"));
        assertTrue(event.isValid());
        assertEquals(EventTypes.SOCKET, event.eventType());
        assertTrue(event.textEquals(Field.EVT_TYPE, "socket"));
        assertEquals(1795000151000002000L, event.getLong(Field.EVT_RAWTIME));
        assertEquals(4242, event.getLong(Field.PROC_PID));
        assertEquals("tcpdump", event.string(Field.PROC_NAME));
        assertEquals("de6b9f00ba11", event.string(Field.CONTAINER_ID));
        assertEquals(17, event.getLong(Field.EVT_ARG_DOMAIN));
        assertEquals(3, event.getLong(Field.EVT_ARG_TYPE), "SOCK_CLOEXEC is masked off 524291");
        assertEquals(768, event.getLong(Field.EVT_ARG_PROTO));
        assertFalse(event.getBool(Field.CONTAINER_PRIVILEGED));
        assertTrue(event.has(Field.CONTAINER_PRIVILEGED));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "\"0x00000000a80425fb\"; 0xa80425fb",
        "\"00000000a80425fb\"; 0xa80425fb",
        "\"CAP_SYS_ADMIN CAP_NET_RAW\"; 0x202000",
        "\"\"; 0x0",
        "2101248; 0x201000"
    })
    void capabilityMasksInEveryForm(String json, String expectedHex) {
        assertNull(decode("{\"evt.type\":\"execve\",\"thread.cap_effective\":" + json + "}"));
        assertEquals(Long.decode(expectedHex).longValue(), event.getLong(Field.THREAD_CAP_EFFECTIVE));
    }

    @Test
    void socketNamesAndNumbers() {
        assertNull(decode("{\"evt.type\":\"socket\",\"evt.arg.domain\":17,\"evt.arg.type\":\"SOCK_RAW\"}"));
        assertEquals(17, event.getLong(Field.EVT_ARG_DOMAIN));
        assertEquals(3, event.getLong(Field.EVT_ARG_TYPE));
        assertNull(decode("{\"evt.type\":\"socket\",\"evt.arg.domain\":\"2\",\"evt.arg.type\":\"2051\"}"));
        assertEquals(2, event.getLong(Field.EVT_ARG_DOMAIN));
        assertEquals(3, event.getLong(Field.EVT_ARG_TYPE), "SOCK_NONBLOCK (2048) masked off");
    }

    @Test
    void returnValuesAsNumbersOrNamesAndRawresWins() {
        assertNull(decode("{\"evt.type\":\"clone\",\"evt.res\":\"EAGAIN\"}"));
        assertEquals(-11, event.getLong(Field.EVT_RES));
        assertTrue(event.getBool(Field.EVT_FAILED));
        assertNull(decode("{\"evt.type\":\"clone\",\"evt.res\":-11}"));
        assertEquals(-11, event.getLong(Field.EVT_RES));
        assertNull(decode("{\"evt.type\":\"clone\",\"evt.res\":\"SUCCESS\",\"evt.rawres\":17498}"));
        assertEquals(17498, event.getLong(Field.EVT_RES));
        assertFalse(event.getBool(Field.EVT_FAILED));
        assertNull(decode("{\"evt.type\":\"clone\",\"evt.rawres\":-11,\"evt.res\":\"SUCCESS\"}"));
        assertEquals(-11, event.getLong(Field.EVT_RES), "evt.rawres wins whatever the order");
        assertNull(decode("{\"evt.type\":\"connect\",\"evt.res\":\"ENOTAREALNAME\",\"evt.rawres\":-999}"));
        assertEquals(-999, event.getLong(Field.EVT_RES));
        assertEquals(RejectReason.WRONG_TYPE, decode("{\"evt.type\":\"connect\",\"evt.res\":\"ENOTAREALNAME\"}"));
    }

    @Test
    void eventTimeFromRawtimeThenTimeThenReceipt() {
        assertNull(decode("{\"evt.type\":\"x\",\"evt.time\":\"2026-11-22T12:00:00.123456789Z\"}"));
        long expected = Instant.parse("2026-11-22T12:00:00.123456789Z").getEpochSecond() * 1_000_000_000L + 123456789;
        assertEquals(expected, event.getLong(Field.EVT_RAWTIME));
        assertNull(decode("{\"evt.type\":\"x\",\"evt.time\":\"2026-11-22T13:00:00.5+01:00\"}"));
        assertEquals(Instant.parse("2026-11-22T12:00:00.5Z").toEpochMilli() * 1_000_000L, event.getLong(Field.EVT_RAWTIME));
        assertNull(decode("{\"evt.type\":\"x\",\"evt.time\":1534527348518881735}"));
        assertEquals(1534527348518881735L, event.getLong(Field.EVT_RAWTIME));
        assertNull(decode("{\"evt.time\":5,\"evt.type\":\"x\",\"evt.rawtime\":7}"));
        assertEquals(7, event.getLong(Field.EVT_RAWTIME), "evt.rawtime wins");
        assertNull(decode("{\"evt.type\":\"x\"}"));
        assertEquals(RECEIVED, event.getLong(Field.EVT_RAWTIME));
        assertEquals(RejectReason.WRONG_TYPE, decode("{\"evt.type\":\"x\",\"evt.time\":\"yesterday\"}"));
    }

    @Test
    void anotherSyscallsArgumentOfTheSameNameIsKeptAsText() {
        assertNull(decode("{\"evt.type\":\"mount\",\"evt.arg.type\":\"tmpfs\",\"evt.arg.dir\":\"/mnt\"}"));
        assertFalse(event.has(Field.EVT_ARG_TYPE));
        assertEquals("tmpfs", event.extraString(event.findExtra("evt.arg.type")));
        assertEquals(RejectReason.WRONG_TYPE, decode("{\"evt.type\":\"socket\",\"proc.pid\":\"tmpfs\"}"));
    }

    @Test
    void otherKeysAreKeptAsExtras() {
        assertNull(decode("{\"evt.type\":\"open\",\"fd.name\":\"/etc/shadow\",\"evt.arg.flags\":\"O_RDONLY\","
            + "\"fd.num\":3,\"evt.failed\":false,\"proc.aname[2]\":\"sshd\",\"nested\":{\"a\":[1,2]},\"z\":1.5}"));
        int i = event.findExtra("fd.name");
        assertEquals("/etc/shadow", event.extraString(i));
        assertEquals(3, event.extraLong(event.findExtra("fd.num")));
        assertEquals("sshd", event.extraString(event.findExtra("proc.aname[2]")));
        assertEquals("1.5", event.extraString(event.findExtra("z")));
        assertEquals(-1, event.findExtra("nested"), "nested values are skipped, not kept");
        assertTrue(event.has(Field.EVT_FAILED));
        assertEquals(EventTypes.id("open"), event.eventType());
    }

    @Test
    void unknownEventTypesKeepTheirName() {
        assertNull(decode("{\"evt.type\":\"my_plugin_event\"}"));
        assertEquals(EventTypes.OTHER, event.eventType());
        assertEquals("my_plugin_event", event.string(Field.EVT_TYPE));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "not json at all|NOT_JSON",
        "{\"evt.type\":\"x\"|NOT_JSON",
        "{\"evt.type\":\"x\"} trailing|NOT_JSON",
        "{\"evt.type\":\"x\"}{\"evt.type\":\"y\"}|NOT_JSON",
        "'   '|NOT_JSON",
        "[1,2,3]|NOT_OBJECT",
        "\"a string\"|NOT_OBJECT",
        "42|NOT_OBJECT",
        "{\"proc.pid\":1}|MISSING_TYPE",
        "{\"evt.type\":\"x\",\"proc.pid\":\"abc\"}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"proc.pid\":1.5}|WRONG_TYPE",
        "{\"evt.type\":7}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"thread.cap_effective\":\"CAP_NOT_A_CAP\"}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"container.privileged\":\"maybe\"}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"proc.name\":{\"a\":1}}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"proc.pid\":99999999999999999999}|WRONG_TYPE",
        "{\"evt.type\":\"x\",\"n\":[[[[[[[[[[1]]]]]]]]]]}|TOO_DEEP",
    })
    void rejectsEachKindOfBadLine(String line, RejectReason expected) {
        assertEquals(expected, decode(line));
        // The decoder carries on: the next good line decodes.
        assertNull(decode("{\"evt.type\":\"execve\",\"proc.pid\":9}"));
        assertEquals(9, event.getLong(Field.PROC_PID));
    }

    @Test
    void rejectsInvalidUtf8() {
        byte[] bad = "{\"evt.type\":\"x\",\"proc.name\":\"ab\u00e9\"}".getBytes(StandardCharsets.UTF_8);
        // Cut the two-byte é in half: a lone lead byte followed by '"'.
        byte[] line = new byte[bad.length - 1];
        int e = indexOf(bad, (byte) 0xC3);
        System.arraycopy(bad, 0, line, 0, e + 1);
        System.arraycopy(bad, e + 2, line, e + 1, bad.length - e - 2);
        assertEquals(RejectReason.INVALID_UTF8, decodeBytes(line));
        assertNull(decode("{\"evt.type\":\"x\",\"proc.name\":\"ab\u00e9\"}"));
        assertEquals("ab\u00e9", event.string(Field.PROC_NAME));
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void decodesASysdigLineFromTheCorpus() {
        String line = "{\"container.id\":\"host\",\"evt.arg.flags\":\"CLONE_FILES|CLONE_VM\",\"evt.args\":\"res=17498(curl)\","
            + "\"evt.category\":\"process\",\"evt.cpu\":0,\"evt.dir\":\"<\",\"evt.failed\":false,\"evt.num\":1018,"
            + "\"evt.rawarg.pid\":\"17497\",\"evt.rawres\":17498,\"evt.res\":\"SUCCESS\",\"evt.time\":1534527348518881735,"
            + "\"evt.type\":\"clone\",\"group.gid\":8589934591,\"proc.aname[2]\":\"sshd\",\"proc.name\":\"curl\","
            + "\"proc.pid\":17497,\"proc.ppid\":3200,\"user.loginuid\":-1,\"user.uid\":4294967295}";
        assertNull(decode(line));
        assertEquals(EventTypes.CLONE, event.eventType());
        assertEquals(17498, event.getLong(Field.EVT_RES));
        assertEquals(4294967295L, event.getLong(Field.USER_UID));
        assertEquals(1534527348518881735L, event.getLong(Field.EVT_RAWTIME));
        assertEquals("<", event.string(Field.EVT_DIR));
    }

    @Test
    void aValidLineAllocatesNothingInSteadyState() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] line = ("{\"evt.type\":\"socket\",\"evt.rawtime\":1795000151000002000,\"proc.pid\":4242,"
            + "\"proc.name\":\"tcpdump\",\"container.id\":\"de6b9f00ba11\",\"evt.arg.domain\":\"AF_PACKET\","
            + "\"evt.arg.type\":3,\"evt.res\":\"SUCCESS\",\"thread.cap_effective\":\"0x00000000a80425fb\","
            + "\"user.uid\":0,\"fd.num\":0,\"fd.name\":\"x\"}\n").getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 200_000; i++) {
            decoder.decode(line, 0, line.length, event, RECEIVED);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            decoder.decode(line, 0, line.length, event, RECEIVED);
        }
        long perLine = (mx.getThreadAllocatedBytes(tid) - before) / n;
        assertTrue(event.isValid());
        assertEquals(0, decoder.generalLines(), "the line took the fast path");
        assertEquals(0, perLine, "bytes allocated per decoded line");
    }
}
