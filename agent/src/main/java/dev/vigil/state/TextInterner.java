package dev.vigil.state;

import dev.vigil.event.Chars;

/**
 * A bounded cache of Strings keyed by their characters, so that the process table can keep a name
 * seen in an event's char range without allocating when the same text was seen before. Direct-mapped:
 * a new text replaces whatever held its slot. Strings are immutable, so entries that still point to a
 * replaced String stay valid.
 *
 * <p>Not thread-safe: pipeline thread only.
 */
final class TextInterner {
    /** Longer texts are truncated to this many chars before interning. */
    private final int maxChars;
    private final String[] slots;
    private final int[] hashes;
    private final int mask;

    TextInterner(int capacity, int maxChars) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        this.slots = new String[size];
        this.hashes = new int[size];
        this.mask = size - 1;
        this.maxChars = maxChars;
    }

    String intern(char[] a, int off, int len) {
        if (len > maxChars) {
            len = maxChars;
        }
        int h = Chars.hash(a, off, len);
        int i = mix(h) & mask;
        String s = slots[i];
        if (s != null && hashes[i] == h && Chars.equals(a, off, len, s)) {
            return s;
        }
        s = new String(a, off, len);
        slots[i] = s;
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
        int h = s.hashCode();
        int i = mix(h) & mask;
        String held = slots[i];
        if (held != null && hashes[i] == h && held.equals(s)) {
            return held;
        }
        slots[i] = s;
        hashes[i] = h;
        return s;
    }

    private static int mix(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }
}
