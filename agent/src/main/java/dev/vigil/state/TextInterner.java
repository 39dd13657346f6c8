package dev.vigil.state;

import dev.vigil.event.Chars;
import dev.vigil.event.Utf8;
import java.util.Arrays;

/**
 * A bounded cache of texts as UTF-8 byte arrays, so that the process table can keep a name seen in an
 * event's byte range without allocating when the same text was seen before, and write it back into
 * later events as it is. Direct-mapped: a new text replaces whatever held its slot. The arrays are never
 * written after they are made, so entries that still point to a replaced one stay valid.
 *
 * <p>Not thread-safe: pipeline thread only.
 */
final class TextInterner {
    /** Longer texts are cut to at most this many bytes (before the character the limit falls inside). */
    private final int maxBytes;
    private final byte[][] slots;
    private final int[] hashes;
    private final int mask;

    TextInterner(int capacity, int maxBytes) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        this.slots = new byte[size][];
        this.hashes = new int[size];
        this.mask = size - 1;
        this.maxBytes = maxBytes;
    }

    /** The held array with the text of the UTF-8 bytes {@code a[off .. +len)}; never to be written. */
    byte[] intern(byte[] a, int off, int len) {
        if (len > maxBytes) {
            len = maxBytes;
            while (len > 0 && (a[off + len] & 0xC0) == 0x80) {
                len--; // cut before the character the limit falls inside, not through it
            }
        }
        int h = Chars.hash(a, off, len);
        int i = mix(h) & mask;
        byte[] held = slots[i];
        if (held != null && hashes[i] == h && Arrays.equals(held, 0, held.length, a, off, off + len)) {
            return held;
        }
        held = Arrays.copyOfRange(a, off, off + len);
        slots[i] = held;
        hashes[i] = h;
        return held;
    }

    /** As {@link #intern(byte[], int, int)}, of a String (allocates its bytes: for what /proc gives). */
    byte[] intern(String s) {
        if (s == null) {
            return null;
        }
        byte[] b = Utf8.bytes(s);
        return intern(b, 0, b.length);
    }

    private static int mix(int h) {
        return (h ^ (h >>> 16)) * 0x9E3779B1;
    }
}
