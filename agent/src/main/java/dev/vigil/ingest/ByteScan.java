package dev.vigil.ingest;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Word-at-a-time reading of bytes for {@link LineFramer}, {@link FlatLineDecoder} and {@link KeyTable}:
 * eight bytes per load (little-endian, so the first byte is the lowest), a newline search, and a test
 * that finds, in one word, the bytes that end or interrupt a plain JSON string.
 */
final class ByteScan {
    private ByteScan() {
    }

    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long BACKSLASHES = 0x5C5C5C5C5C5C5C5CL;
    private static final long SPACES = 0x2020202020202020L;
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    /**
     * Where the middle one of three words covering {@code n} bytes (9 to 24) starts: with the others at 0
     * and {@code n - 8} they cover every byte, so such a run compares as three words without a loop.
     */
    static int middleOfThreeWords(int n) {
        return Math.min(8, n - 8);
    }

    /** The eight bytes at {@code a[i .. i+8)} as a little-endian long. */
    static long word(byte[] a, int i) {
        return (long) LONG.get(a, i);
    }

    /**
     * A mask with the high bit set in the byte lanes of {@code x} that hold {@code '"'}, {@code '\\'},
     * a control char (below 0x20) or a non-ASCII byte; 0 when there is none. Only the lowest set lane
     * is exact (a lane's borrow can mark lanes above it), which is the one a scan needs:
     * {@code Long.numberOfTrailingZeros(mask) >>> 3} is its index.
     */
    static long stringSpecials(long x) {
        long q = x ^ QUOTES;
        long b = x ^ BACKSLASHES;
        return (((q - ONES) & ~q) | ((b - ONES) & ~b) | (x - SPACES) | x) & HIGHS;
    }

    /** The index of the first {@code '\n'} in {@code a[from .. to)}, or -1. */
    static int indexOfNewline(byte[] a, int from, int to) {
        int i = from;
        for (int last = to - 8; i <= last; i += 8) {
            long x = word(a, i) ^ NEWLINES; // a newline's lane becomes 0
            long zeros = (x - ONES) & ~x & HIGHS; // exact in its lowest set lane
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (a[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /** Whether the eight bytes of {@code x} are all ASCII digits. */
    static boolean allDigits(long x) {
        // Each lane is 0x30..0x3F, and adding 6 keeps it there (0x3A..0x3F would reach 0x40..0x45).
        return (x & 0xF0F0F0F0F0F0F0F0L) == 0x3030303030303030L
            && ((x + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) == 0x3030303030303030L;
    }

    /** The value of eight ASCII digits held in {@code x} (the first digit in the lowest lane). */
    static long eightDigits(long x) {
        x -= 0x3030303030303030L;
        // Lane by lane, pairs of neighbours merge: the first of each pair is the more significant.
        x = (x * 10 + (x >>> 8)) & 0x00FF00FF00FF00FFL; // four 2-digit values in 16-bit lanes
        x = (x * 100 + (x >>> 16)) & 0x0000FFFF0000FFFFL; // two 4-digit values in 32-bit lanes
        return (x * 10000 + (x >>> 32)) & 0xFFFFFFFFL; // one 8-digit value
    }

    /** The words that {@link KeyTable} compares a name with: at 0, 8, 16…, and the last eight bytes. */
    static long[] words(byte[] k) {
        int n = k.length;
        if (n <= 8) {
            byte[] padded = java.util.Arrays.copyOf(k, 8);
            return new long[] {word(padded, 0)};
        }
        int count = (n + 7) / 8;
        long[] w = new long[count];
        for (int i = 0; i < count - 1; i++) {
            w[i] = word(k, 8 * i);
        }
        w[count - 1] = word(k, n - 8);
        return w;
    }

    /** The mask of the first {@code n} (at most 8) bytes of a word. */
    static long lowBytes(int n) {
        return n >= 8 ? -1L : (1L << (8 * n)) - 1;
    }
}
