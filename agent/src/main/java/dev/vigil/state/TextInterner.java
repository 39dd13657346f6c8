package dev.vigil.state;

import dev.vigil.event.Chars;
import dev.vigil.event.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounded cache of Strings keyed by their text, so that the process table can keep a name seen in
 * an event's UTF-8 byte range without allocating when the same text was seen before. Direct-mapped:
 * a new text replaces whatever held its slot. Strings are immutable, so entries that still point to a
 * replaced String stay valid.
 *
 * <p>Not thread-safe: pipeline thread only.
 */
final class TextInterner {
    /** Longer texts are truncated to this many bytes (a String's text to this many chars) before interning. */
    private final int maxChars;
    private final String[] slots;
    /** Each slot's text as UTF-8, compared with an event's bytes without decoding them. */
    private final byte[][] utf8;
    private final int[] hashes;
    private final int mask;

    TextInterner(int capacity, int maxChars) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        this.slots = new String[size];
        this.utf8 = new byte[size][];
        this.hashes = new int[size];
        this.mask = size - 1;
        this.maxChars = maxChars;
    }

    String intern(byte[] a, int off, int len) {
        if (len > maxChars) {
            len = maxChars;
            while (len > 0 && (a[off + len] & 0xC0) == 0x80) {
                len--; // cut before the character the limit falls inside, not through it
            }
        }
        int h = Chars.hash(a, off, len);
        int i = mix(h) & mask;
        byte[] held = utf8[i];
        if (held != null && hashes[i] == h && Arrays.equals(held, 0, held.length, a, off, off + len)) {
            return slots[i];
        }
        String s = Utf8.string(a, off, len);
        slots[i] = s;
        utf8[i] = Arrays.copyOfRange(a, off, off + len);
        hashes[i] = h;
        return s;
    }

    /** Returns an equal String already held, or keeps this one. */
    String intern(String s) {
        if (s == null) {
            return null;
        }
        if (s.length() > maxChars) {
            s = s.substring(0, maxChars);
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int h = Chars.hash(b, 0, b.length);
        int i = mix(h) & mask;
        String held = slots[i];
        if (held != null && hashes[i] == h && held.equals(s)) {
            return held;
        }
        slots[i] = s;
        utf8[i] = b;
        hashes[i] = h;
        return s;
    }

    private static int mix(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }
}
