package dev.vigil.ingest;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * The wire key names a connection has sent, looked up over a line's bytes without allocating: each
 * entry holds the name's bytes (ASCII), its interned String (what an extra is named by) and its code (a
 * {@link SlotWriter#keyCode key code}).
 *
 * <p>It also remembers which two keys followed each key last ({@link #predicted}, {@link #alternative}):
 * a producer writes the keys of one kind of event in the same order line after line, so most keys are
 * found by comparing the line's bytes with a predicted name, without hashing them first. Two, because
 * kinds of event share a head and part where their keys diverge (an exec's path after the process
 * name where other events go on to the user; a capability check's arguments after the pod name where
 * an exit has its status): with one follower a mixed stream missed at each such point (0.6 keys a
 * line on the load test's churny stream), with two it does not.
 *
 * <p>Memory is bounded: past {@code maxUnknown} names that are not known keys, the table forgets
 * them all (a producer inventing key names costs a String per new name, then a reset).
 *
 * <p>Threading: one connection, one thread; not thread-safe.
 */
final class KeyTable {
    /** Index used by {@link #predicted} and {@link #follow} for "before the first key of a line". */
    static final int START = -1;

    private final int maxUnknown;
    private final int knownCount;
    private final byte[][] bytes;
    /** bytes[e].length, held flat: the decoder needs it on every key, without the indirection. */
    private final int[] lengths;
    /**
     * Each name followed by its closing quote, as {@link ByteScan#words}, and the mask of a short one's
     * word. A quoted name of 9 to 16 bytes has its last word twice, so that every one of 9 to 24 bytes
     * (most keys) is compared as three words, at 0, {@link ByteScan#middleOfThreeWords} and its end,
     * without a loop.
     */
    private final long[][] quotedWords;
    private final long[] shortMasks;
    private final String[] names;
    private final int[] codes;
    private final int[] hashes;
    /**
     * The entry that followed each entry last, and the one that did before it (-1: none), at the
     * entry's index + 1: index 0 is for the line's start ({@link #START}).
     */
    private final int[] next;
    private final int[] nextBefore;
    private int size;
    /** Open addressing on the hash: entry index + 1, 0 = empty. At most half full. */
    private final int[] slots;
    private final int mask;

    KeyTable(int maxUnknown) {
        this.maxUnknown = maxUnknown;
        List<String> known = SlotWriter.knownKeys();
        int capacity = known.size() + maxUnknown;
        bytes = new byte[capacity][];
        lengths = new int[capacity];
        quotedWords = new long[capacity][];
        shortMasks = new long[capacity];
        names = new String[capacity];
        codes = new int[capacity];
        hashes = new int[capacity];
        next = new int[capacity + 1];
        nextBefore = new int[capacity + 1];
        Arrays.fill(next, -1);
        Arrays.fill(nextBefore, -1);
        int slotCount = Integer.highestOneBit(capacity * 2 - 1) << 1;
        slots = new int[slotCount];
        mask = slotCount - 1;
        for (String name : known) {
            add(name, SlotWriter.keyCode(name));
        }
        knownCount = size;
    }

    /** Hash of a name as the decoder computes it while scanning ({@code h = 31 * h + b}). */
    static int hash(byte[] a, int off, int len) {
        int h = 0;
        for (int i = off; i < off + len; i++) {
            h = 31 * h + a[i];
        }
        return h;
    }

    /** The entry for the ASCII name in {@code a[off .. off+len)} whose hash is {@code h}; added if new. */
    int lookup(byte[] a, int off, int len, int h) {
        int s = spread(h) & mask;
        for (int e; (e = slots[s]) != 0; s = (s + 1) & mask) {
            e--;
            byte[] k = bytes[e];
            if (hashes[e] == h && k.length == len && Arrays.equals(k, 0, len, a, off, off + len)) {
                return e;
            }
        }
        if (size - knownCount >= maxUnknown) {
            forgetUnknown();
            return lookup(a, off, len, h);
        }
        // A new name: the one allocation, paid once per name. Interned, as Jackson names its fields.
        return add(new String(a, off, len, StandardCharsets.ISO_8859_1).intern(), SlotWriter.UNKNOWN);
    }

    /** The entry that followed {@code entry} ({@link #START} for the first key) last, or -1. */
    int predicted(int entry) {
        return next[entry + 1];
    }

    /** The entry that followed {@code entry} before {@link #predicted} did, or -1. */
    int alternative(int entry) {
        return nextBefore[entry + 1];
    }

    /**
     * Records that {@code entry} followed {@code previous} ({@link #START} for a line's first key),
     * when it was neither {@link #predicted} nor the {@link #alternative}: it becomes the prediction,
     * the prediction the alternative. (A hit changes nothing: no store on the common path.)
     */
    void follow(int previous, int entry) {
        int i = previous + 1;
        nextBefore[i] = next[i];
        next[i] = entry;
    }

    /**
     * Whether {@code a[off ..]} holds this entry's name followed by a closing quote; the range must
     * end, before {@code end}, with a char that no name contains (the line's newline).
     */
    boolean matchesAt(int entry, byte[] a, int off, int end) {
        // Compared with the name and its closing quote, eight bytes at a time.
        int n = lengths[entry] + 1;
        if (off + n >= end) {
            return false;
        }
        long[] w = quotedWords[entry];
        if (n <= 8) {
            if (off + 8 > a.length) {
                return slowMatch(entry, a, off);
            }
            return (ByteScan.word(a, off) & shortMasks[entry]) == w[0];
        }
        if (n <= 24) {
            return ((ByteScan.word(a, off) ^ w[0])
                | (ByteScan.word(a, off + ByteScan.middleOfThreeWords(n)) ^ w[1])
                | (ByteScan.word(a, off + n - 8) ^ w[2])) == 0;
        }
        int last = w.length - 1;
        for (int i = 0; i < last; i++) {
            if (ByteScan.word(a, off + 8 * i) != w[i]) {
                return false;
            }
        }
        return ByteScan.word(a, off + n - 8) == w[last];
    }

    private boolean slowMatch(int entry, byte[] a, int off) {
        byte[] k = bytes[entry];
        int close = off + k.length;
        return a[close] == '"' && Arrays.equals(a, off, close, k, 0, k.length);
    }

    int length(int entry) {
        return lengths[entry];
    }

    int code(int entry) {
        return codes[entry];
    }

    String name(int entry) {
        return names[entry];
    }

    private int add(String name, int code) {
        int e = size++;
        byte[] k = name.getBytes(StandardCharsets.ISO_8859_1);
        int h = hash(k, 0, k.length);
        bytes[e] = k;
        lengths[e] = k.length;
        byte[] quoted = Arrays.copyOf(k, k.length + 1);
        quoted[k.length] = '"';
        long[] words = ByteScan.words(quoted);
        quotedWords[e] = words.length == 2 ? new long[] {words[0], words[1], words[1]} : words;
        shortMasks[e] = ByteScan.lowBytes(quoted.length);
        names[e] = name;
        codes[e] = code;
        hashes[e] = h;
        next[e + 1] = -1;
        nextBefore[e + 1] = -1;
        int s = spread(h) & mask;
        while (slots[s] != 0) {
            s = (s + 1) & mask;
        }
        slots[s] = e + 1;
        return e;
    }

    private void forgetUnknown() {
        Arrays.fill(slots, 0);
        Arrays.fill(next, -1);
        Arrays.fill(nextBefore, -1);
        Arrays.fill(bytes, knownCount, size, null);
        Arrays.fill(quotedWords, knownCount, size, null);
        Arrays.fill(names, knownCount, size, null);
        int known = knownCount;
        size = 0;
        for (int e = 0; e < known; e++) {
            add(names[e], codes[e]);
        }
    }

    private static int spread(int h) {
        return h ^ (h >>> 16);
    }
}
