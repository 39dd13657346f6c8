package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ByteScanTest {
    private static boolean special(byte b) {
        return b == '"' || b == '\\' || b < 0x20; // signed: non-ASCII bytes are negative
    }

    /** The index of the first special byte of the word's eight, or 8. */
    private static int firstSpecial(byte[] a, int off) {
        for (int i = 0; i < 8; i++) {
            if (special(a[off + i])) {
                return i;
            }
        }
        return 8;
    }

    private static int scanned(byte[] a, int off) {
        long m = ByteScan.stringSpecials(ByteScan.word(a, off));
        return m == 0 ? 8 : Long.numberOfTrailingZeros(m) >>> 3;
    }

    @Test
    void findsEveryByteValueInEveryLane() {
        byte[] a = new byte[8];
        for (int lane = 0; lane < 8; lane++) {
            for (int v = 0; v < 256; v++) {
                java.util.Arrays.fill(a, (byte) 'a');
                a[lane] = (byte) v;
                assertEquals(special((byte) v) ? lane : 8, scanned(a, 0), "byte " + v + " in lane " + lane);
            }
        }
    }

    @Test
    void theLowestLaneIsExactWhateverFollowsIt() {
        Random r = new Random(1);
        byte[] pool = {'"', '\\', 0, 1, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, (byte) 0x80, (byte) 0xff, 'a', 'z', '0'};
        byte[] a = new byte[8];
        for (int i = 0; i < 1_000_000; i++) {
            for (int j = 0; j < 8; j++) {
                a[j] = r.nextInt(4) == 0 ? (byte) r.nextInt(256) : pool[r.nextInt(pool.length)];
            }
            assertEquals(firstSpecial(a, 0), scanned(a, 0), java.util.Arrays.toString(a));
        }
    }

    @Test
    void findsTheFirstNewlineAtEveryPosition() {
        Random r = new Random(2);
        for (int i = 0; i < 200_000; i++) {
            byte[] a = new byte[r.nextInt(40)];
            for (int j = 0; j < a.length; j++) {
                int k = r.nextInt(6);
                a[j] = k == 0 ? (byte) '\n' : k == 1 ? (byte) r.nextInt(256) : k == 2 ? (byte) 0x0b : (byte) ('a' + k);
            }
            int from = a.length == 0 ? 0 : r.nextInt(a.length + 1);
            int to = from + (a.length == from ? 0 : r.nextInt(a.length - from + 1));
            int expected = -1;
            for (int j = from; j < to; j++) {
                if (a[j] == '\n') {
                    expected = j;
                    break;
                }
            }
            assertEquals(expected, ByteScan.indexOfNewline(a, from, to), java.util.Arrays.toString(a) + " " + from + ".." + to);
        }
    }

    @Test
    void parsesEightDigitsAndRecognisesThem() {
        Random r = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            byte[] a = new byte[8];
            boolean digits = true;
            for (int j = 0; j < 8; j++) {
                a[j] = r.nextInt(8) == 0 ? (byte) r.nextInt(256) : (byte) ('0' + r.nextInt(10));
                digits &= a[j] >= '0' && a[j] <= '9';
            }
            assertEquals(digits, ByteScan.allDigits(ByteScan.word(a, 0)), java.util.Arrays.toString(a));
            if (digits) {
                assertEquals(Long.parseLong(new String(a, java.nio.charset.StandardCharsets.US_ASCII)),
                    ByteScan.eightDigits(ByteScan.word(a, 0)));
            }
        }
        byte[] nines = "99999999".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(99_999_999L, ByteScan.eightDigits(ByteScan.word(nines, 0)));
    }

    @Test
    void namesAreComparedAsWords() {
        byte[] k = "thread.cap_effective\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        long[] w = ByteScan.words(k);
        assertEquals(3, w.length);
        assertEquals(ByteScan.word(k, 0), w[0]);
        assertEquals(ByteScan.word(k, 8), w[1]);
        assertEquals(ByteScan.word(k, k.length - 8), w[2]);
        assertEquals(0xffffffL, ByteScan.lowBytes(3));
        assertEquals(-1L, ByteScan.lowBytes(8));
    }
}
