package dev.vigil.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A slot holds every known field and its extras side by side, through a copy and a clear. */
class EventTest {
    private static String textOf(Field f) {
        return f.wireName() + "-é-" + f.ordinal();
    }

    private static long valueOf(Field f) {
        return f.kind() == FieldKind.BOOL ? f.ordinal() & 1 : -1L - ((long) f.ordinal() << 40) - f.ordinal();
    }

    private static void fillEveryField(Event e) {
        for (Field f : Field.values()) {
            if (f.kind() == FieldKind.STRING) {
                byte[] b = textOf(f).getBytes(StandardCharsets.UTF_8);
                e.setTextUtf8(f, b, 0, b.length);
            } else {
                e.setLong(f, valueOf(f));
            }
        }
        for (int i = 0; i < 20; i++) { // past the extras' first size: they grow
            byte[] b = ("x" + i).getBytes(StandardCharsets.UTF_8);
            assertTrue(e.addExtraUtf8("extra." + i, b, 0, b.length, i));
        }
    }

    private static void assertEveryField(Event e) {
        for (Field f : Field.values()) {
            assertTrue(e.has(f), f.wireName());
            if (f.kind() == FieldKind.STRING) {
                assertEquals(textOf(f), e.string(f), f.wireName());
                assertEquals(textOf(f).getBytes(StandardCharsets.UTF_8).length, e.textLength(f), f.wireName());
            } else {
                assertEquals(valueOf(f), e.getLong(f), f.wireName());
            }
        }
        assertEquals(20, e.extraCount());
        for (int i = 0; i < 20; i++) {
            assertEquals("extra." + i, e.extraName(i));
            assertEquals("x" + i, e.extraString(i));
            assertEquals(i, e.extraLong(i));
        }
    }

    @Test
    void everyFieldKeepsItsOwnValueOrTextBesideTheOthers() {
        Event e = new Event();
        fillEveryField(e);
        assertEveryField(e);
        Event copy = new Event();
        copy.copyFrom(e);
        assertEveryField(copy);
        e.clear();
        for (Field f : Field.values()) {
            assertFalse(e.has(f));
        }
        assertEquals(0, e.extraCount());
        fillEveryField(e); // a cleared slot filled again: nothing left over from the first use
        assertEveryField(e);
    }

    @Test
    void aTextOfTheLongestLineTheArenaTakesKeepsItsStartAndLength() {
        Event e = new Event();
        byte[] big = "y".repeat(3 << 20).getBytes(StandardCharsets.UTF_8); // a range of megabytes, beside a number
        e.setLong(Field.PROC_PID, 7);
        e.setTextUtf8(Field.PROC_CMDLINE, big, 0, big.length);
        e.setTextUtf8(Field.PROC_NAME, big, 0, 5);
        assertEquals(big.length, e.textLength(Field.PROC_CMDLINE));
        assertEquals(big.length, e.textStart(Field.PROC_NAME));
        assertEquals("yyyyy", e.string(Field.PROC_NAME));
        assertEquals(7, e.getLong(Field.PROC_PID));
    }
}
