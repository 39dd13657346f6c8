package dev.vigil.rules;

import dev.vigil.event.Utf8;

/**
 * An event's UTF-8 text decoded into chars, for an operator that reads characters (glob, regex, a case-blind
 * comparison); grows to the longest value decoded. One per text source: one matching thread per compiled tree.
 */
final class DecodeBuffer {
    private char[] chars = new char[128];
    private int length;

    /** Decodes {@code a[off .. +len)}; the chars are the returned array's first {@link #length()}. */
    char[] decode(byte[] a, int off, int len) {
        char[] c = chars;
        if (c.length < len) {
            c = new char[Math.max(len, c.length * 2)];
            chars = c;
        }
        length = Utf8.decode(a, off, len, c);
        return c;
    }

    int length() {
        return length;
    }
}
