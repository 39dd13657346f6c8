package dev.vigil.event;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The event's text as UTF-8: what goes in as chars comes out as the same chars, whatever the characters. */
class Utf8Test {
    /** A string of ASCII, two-byte, three-byte and four-byte (surrogate pair) characters, no lone surrogate. */
    private static String mixed(SplittableRandom r, int chars) {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < chars) {
            switch (r.nextInt(4)) {
                case 0 -> sb.append((char) r.nextInt(0, 0x80));
                case 1 -> sb.append((char) r.nextInt(0x80, 0x800));
                case 2 -> {
                    char c = (char) r.nextInt(0x800, 0x10000);
                    sb.append(Character.isSurrogate(c) ? 'x' : c);
                }
                default -> sb.appendCodePoint(r.nextInt(0x10000, 0x110000));
            }
        }
        return sb.toString();
    }

    @Test
    void encodingIsJavasUtf8AndDecodingGivesTheCharsBack() {
        SplittableRandom r = new SplittableRandom(11);
        for (int round = 0; round < 500; round++) {
            String s = mixed(r, r.nextInt(0, 40));
            char[] c = s.toCharArray();
            byte[] out = new byte[3 * c.length + 2];
            int n = Utf8.encode(c, 0, c.length, out, 2);
            assertArrayEquals(s.getBytes(StandardCharsets.UTF_8), Arrays.copyOfRange(out, 2, 2 + n), s);
            byte[] viaString = new byte[3 * c.length];
            assertEquals(n, Utf8.encode(s, viaString, 0));
            assertArrayEquals(Arrays.copyOfRange(out, 2, 2 + n), Arrays.copyOf(viaString, n));
            char[] back = new char[n];
            int m = Utf8.decode(out, 2, n, back);
            assertEquals(s, new String(back, 0, m));
            assertEquals(s, Utf8.string(out, 2, n));
        }
    }

    @Test
    void aLoneSurrogateIsHeldAsTheReplacementCharacter() {
        char[] c = {'a', '\ud800', 'b', '\udc00'};
        byte[] out = new byte[12];
        int n = Utf8.encode(c, 0, c.length, out, 0);
        assertEquals("a\ufffdb\ufffd", Utf8.string(out, 0, n));
        assertEquals(n, Utf8.encode(new String(c), new byte[12], 0));
    }

    @Test
    void aRangeCutInsideACharacterDecodesAsStringsDecoderDoes() {
        SplittableRandom r = new SplittableRandom(3);
        for (int round = 0; round < 500; round++) {
            byte[] b = mixed(r, 12).getBytes(StandardCharsets.UTF_8);
            int from = r.nextInt(0, b.length);
            int len = r.nextInt(0, b.length - from + 1);
            char[] out = new char[len];
            int n = Utf8.decode(b, from, len, out);
            assertEquals(new String(b, from, len, StandardCharsets.UTF_8), new String(out, 0, n));
        }
    }

    @Test
    void theEventsTextKeepsEveryCharacterItIsGiven() {
        Event e = new Event();
        String name = "caf\u00e9-\u65e5\u672c-\ud83d\ude00";
        e.setText(Field.PROC_NAME, name);
        char[] path = "/opt/\u00fcber".toCharArray();
        e.setText(Field.PROC_EXEPATH, path, 0, path.length);
        e.addExtra("fd.name", path, 0, path.length, Chars.NOT_A_NUMBER);
        assertEquals(name, e.string(Field.PROC_NAME));
        assertEquals(name.getBytes(StandardCharsets.UTF_8).length, e.textLength(Field.PROC_NAME));
        assertTrue(e.textEquals(Field.PROC_NAME, name));
        assertFalse(e.textEquals(Field.PROC_NAME, "caf\u00e9"));
        assertEquals("/opt/\u00fcber", e.string(Field.PROC_EXEPATH));
        assertEquals("/opt/\u00fcber", e.extraString(0));
        Event copy = new Event();
        copy.copyFrom(e);
        assertEquals(name, copy.string(Field.PROC_NAME));
        assertEquals("/opt/\u00fcber", copy.extraString(0));
    }

    @Test
    void byteComparisonsAgreeWithTheStrings() {
        byte[] b = "xx/usr/b\u00efn/sh".getBytes(StandardCharsets.UTF_8);
        int len = b.length - 2;
        assertTrue(Chars.equals(b, 2, len, "/usr/b\u00efn/sh"));
        assertFalse(Chars.equals(b, 2, len, "/usr/bin/sh"));
        assertFalse(Chars.equals(b, 2, len - 1, "/usr/b\u00efn/sh"));
        assertTrue(Chars.startsWith(b, 2, len, "/usr/"));
        assertTrue(Chars.startsWith(b, 2, len, "/usr/b\u00ef"));
        assertFalse(Chars.startsWith(b, 2, len, "/usr/bi"));
        assertFalse(Chars.startsWith(b, 2, 3, "/usr/"));
        byte[] ascii = "kworker/12:0".getBytes(StandardCharsets.US_ASCII);
        assertEquals("kworker/12:0".hashCode(), Chars.hash(ascii, 0, ascii.length));
        assertEquals("worker/1".hashCode(), Chars.hash(ascii, 1, 8));
    }
}
