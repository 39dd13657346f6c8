package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vigil.event.Event;
import dev.vigil.event.Field;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The wire's value rules in {@link SlotWriter}, each value given both ways a scanner has it: as a
 * range of the line's ASCII bytes (the fast path) and as chars or a parsed number (the parser). Both
 * must write the same slot; the rules themselves are pinned on a few values of each kind.
 */
class SlotWriterTest {
    private static final long RECEIVED = 1_700_000_000_000_000_000L;

    /** A JSON number's text (an integer of at most 64 bits). */
    private record Num(String text) {
    }

    /** Writes the (key, value) pairs both ways; asserts the two slots and outcomes are the same; returns the bytes' slot. */
    private static Event write(RejectReason expected, Object... pairs) {
        Event fromBytes = new Event();
        Event fromChars = new Event();
        SlotWriter bytesWriter = new SlotWriter();
        SlotWriter charsWriter = new SlotWriter();
        // The values' texts lie in one line, as the fast path finds them.
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        List<int[]> ranges = new ArrayList<>();
        for (int i = 1; i < pairs.length; i += 2) {
            byte[] text = (pairs[i] instanceof Num n ? n.text() : pairs[i].toString()).getBytes(StandardCharsets.US_ASCII);
            line.write('#');
            ranges.add(new int[] {line.size(), text.length});
            line.writeBytes(text);
        }
        byte[] bytes = line.toByteArray();
        bytesWriter.begin(fromBytes, bytes);
        charsWriter.begin(fromChars);
        RejectReason byBytes = null;
        RejectReason byChars = null;
        for (int i = 0; i < pairs.length && byBytes == null && byChars == null; i += 2) {
            String key = (String) pairs[i];
            Object v = pairs[i + 1];
            int[] r = ranges.get(i / 2);
            if (v instanceof Num n) {
                long number = Long.parseLong(n.text());
                bytesWriter.asciiInteger(r[0], r[1], number);
                charsWriter.integer(number, n.text().equals("-0"));
            } else if (v instanceof Boolean b) {
                bytesWriter.bool(b);
                charsWriter.bool(b);
            } else {
                char[] chars = ("padding" + v).toCharArray();
                bytesWriter.asciiString(r[0], r[1]);
                charsWriter.string(chars, 7, chars.length - 7);
            }
            int code = SlotWriter.keyCode(key);
            byBytes = bytesWriter.put(code, key);
            byChars = charsWriter.put(code, key);
        }
        if (byBytes == null) {
            byBytes = bytesWriter.finish(RECEIVED);
        }
        if (byChars == null) {
            byChars = charsWriter.finish(RECEIVED);
        }
        assertNull(SlotDiff.firstDifference(byChars, fromChars, byBytes, fromBytes));
        assertEquals(expected, byBytes);
        return fromBytes;
    }

    @Test
    void numbersAsTextAndTextAsNumbers() {
        Event e = write(null, "evt.type", "execve", "proc.name", new Num("123"), "proc.pid", "4242", "user.uid", "0x10",
            "container.privileged", "1", "evt.arg.audit", new Num("0"));
        assertEquals("123", e.string(Field.PROC_NAME));
        assertEquals(4242, e.getLong(Field.PROC_PID));
        assertEquals(16, e.getLong(Field.USER_UID));
        assertEquals(1, e.getLong(Field.CONTAINER_PRIVILEGED));
        assertEquals(0, e.getLong(Field.EVT_ARG_AUDIT));
        write(RejectReason.WRONG_TYPE, "evt.type", "x", "container.privileged", new Num("-0"));
        write(RejectReason.WRONG_TYPE, "evt.type", "x", "proc.name", true);
        write(RejectReason.WRONG_TYPE, "evt.type", "x", "proc.pid", "many");
    }

    @Test
    void rawresWinsOverResWhateverTheOrder() {
        Event e = write(null, "evt.type", "clone", "evt.res", "EAGAIN", "evt.rawres", new Num("17498"));
        assertEquals(17498, e.getLong(Field.EVT_RES));
        e = write(null, "evt.type", "clone", "evt.rawres", "-2", "evt.res", "SUCCESS");
        assertEquals(-2, e.getLong(Field.EVT_RES));
        assertEquals(1, e.getLong(Field.EVT_FAILED));
        assertEquals(-11, write(null, "evt.type", "x", "evt.res", "EAGAIN").getLong(Field.EVT_RES));
        write(RejectReason.WRONG_TYPE, "evt.type", "x", "evt.res", "ENOTANERRNO");
        write(null, "evt.type", "x", "evt.res", "ENOTANERRNO", "evt.rawres", new Num("0"));
    }

    @Test
    void capabilitiesInEveryForm() {
        assertEquals(0xa80425fbL, write(null, "evt.type", "x", "thread.cap_effective", "0x00000000a80425fb")
            .getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals((1L << 21) | (1L << 13), write(null, "evt.type", "x", "thread.cap_effective", "CAP_SYS_ADMIN CAP_NET_RAW")
            .getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals(255, write(null, "evt.type", "x", "thread.cap_effective", new Num("255")).getLong(Field.THREAD_CAP_EFFECTIVE));
        assertEquals(21, write(null, "evt.type", "capable", "evt.arg.cap", "CAP_SYS_ADMIN").getLong(Field.EVT_ARG_CAP));
    }

    @Test
    void eventTimeAsNanosDigitsOrRfc3339() {
        assertEquals(17, write(null, "evt.type", "x", "evt.time", "17").getLong(Field.EVT_RAWTIME));
        assertEquals(1_795_000_151_000_002_000L, write(null, "evt.type", "x", "evt.time", new Num("1795000151000002000"))
            .getLong(Field.EVT_RAWTIME));
        assertEquals(1_795_860_000_500_000_000L, write(null, "evt.type", "x", "evt.time", "2026-11-28T11:00:00.5+01:00")
            .getLong(Field.EVT_RAWTIME));
        assertEquals(RECEIVED, write(null, "evt.type", "x").getLong(Field.EVT_RAWTIME));
        write(RejectReason.WRONG_TYPE, "evt.type", "x", "evt.time", "yesterday");
    }

    @Test
    void otherKeysAreExtrasWithTheirNumbers() {
        Event e = write(null, "evt.type", "x", "a", new Num("-0"), "b", "0x1F", "c", true, "d", "-", "evt.arg.type", "tmpfs");
        assertEquals("0", e.extraString(0));
        assertEquals(0, e.extraLong(0));
        assertEquals("0x1F", e.extraString(1));
        assertEquals(31, e.extraLong(1));
        assertEquals("true", e.extraString(2));
        assertEquals("-", e.extraString(3));
        assertEquals("evt.arg.type", e.extraName(4), "mount's file system type is kept as text");
        assertEquals("tmpfs", e.extraString(4));
    }

    @Test
    void evtTypeMustBeAString() {
        write(RejectReason.MISSING_TYPE, "proc.pid", new Num("1"));
        write(RejectReason.WRONG_TYPE, "evt.type", new Num("1"));
    }
}
