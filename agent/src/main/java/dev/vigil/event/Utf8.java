package dev.vigil.event;

import java.nio.charset.StandardCharsets;

/**
 * UTF-8 as an event's text arena holds it ({@link Event#text()}): chars encoded into it, its bytes decoded
 * back for a reader that needs chars. A lone surrogate (a JSON escape can send one) is no character and
 * is held as U+FFFD; a byte range that does not hold well-formed UTF-8 (cut inside a character) decodes
 * with U+FFFD in place of what is broken, as {@link String}'s decoder does.
 */
public final class Utf8 {
    /** A char takes at most three bytes (a surrogate pair's two chars take four). */
    public static final int MAX_BYTES_PER_CHAR = 3;

    private static final char REPLACEMENT = '\uFFFD';

    private Utf8() {
    }

    /** Encodes {@code a[off .. +len)} at {@code out[at]}, which has room for 3 bytes a char; returns the bytes written. */
    public static int encode(char[] a, int off, int len, byte[] out, int at) {
        int j = at;
        int end = off + len;
        for (int i = off; i < end; i++) {
            char c = a[i];
            if (c < 0x80) {
                out[j++] = (byte) c;
            } else if (c < 0x800) {
                out[j++] = (byte) (0xC0 | c >> 6);
                out[j++] = (byte) (0x80 | c & 0x3F);
            } else if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(a[i + 1])) {
                int cp = Character.toCodePoint(c, a[++i]);
                out[j++] = (byte) (0xF0 | cp >> 18);
                out[j++] = (byte) (0x80 | cp >> 12 & 0x3F);
                out[j++] = (byte) (0x80 | cp >> 6 & 0x3F);
                out[j++] = (byte) (0x80 | cp & 0x3F);
            } else {
                char d = Character.isSurrogate(c) ? REPLACEMENT : c;
                out[j++] = (byte) (0xE0 | d >> 12);
                out[j++] = (byte) (0x80 | d >> 6 & 0x3F);
                out[j++] = (byte) (0x80 | d & 0x3F);
            }
        }
        return j - at;
    }

    /** As {@link #encode(char[], int, int, byte[], int)}, of a String (which allocates only when it is not ASCII). */
    public static int encode(String s, byte[] out, int at) {
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                char[] rest = s.substring(i).toCharArray();
                return i + encode(rest, 0, rest.length, out, at + i);
            }
            out[at + i] = (byte) c;
        }
        return len;
    }

    /** A String's text as its own array, encoded as {@link #encode(String, byte[], int)} does. Allocates. */
    public static byte[] bytes(String s) {
        byte[] out = new byte[MAX_BYTES_PER_CHAR * s.length()];
        return java.util.Arrays.copyOf(out, encode(s, out, 0));
    }

    /**
     * Decodes {@code a[off .. +len)} into {@code out} (at least {@code len} chars: no text has more chars
     * than bytes); returns the chars written.
     */
    public static int decode(byte[] a, int off, int len, char[] out) {
        int end = off + len;
        int n = 0;
        int i = off;
        while (i < end) {
            int b = a[i];
            if (b >= 0) {
                out[n++] = (char) b;
                i++;
                continue;
            }
            int need = (b & 0xE0) == 0xC0 ? 1 : (b & 0xF0) == 0xE0 ? 2 : (b & 0xF8) == 0xF0 ? 3 : -1;
            if (need < 0 || i + need >= end) {
                // not a lead byte; or the range ends inside the character: one replacement for what it has of it
                out[n++] = REPLACEMENT;
                i++;
                while (need > 0 && i < end && (a[i] & 0xC0) == 0x80) {
                    i++;
                }
                continue;
            }
            int cp = b & (0x3F >> need);
            int k = 1;
            for (; k <= need && (a[i + k] & 0xC0) == 0x80; k++) {
                cp = cp << 6 | a[i + k] & 0x3F;
            }
            if (k <= need) {
                out[n++] = REPLACEMENT;
                i += k;
            } else if (cp >= 0x10000) {
                out[n++] = Character.highSurrogate(cp);
                out[n++] = Character.lowSurrogate(cp);
                i += k;
            } else {
                out[n++] = (char) cp;
                i += k;
            }
        }
        return n;
    }

    /** The range as a String. Allocates. */
    public static String string(byte[] a, int off, int len) {
        return new String(a, off, len, StandardCharsets.UTF_8);
    }
}
