package dev.vigil.event;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CharsTest {
    @Test
    void hashIsStringsHashCodeForEveryLengthAndOffset() {
        // The interner compares it with String.hashCode: they must agree, whatever the unrolling.
        SplittableRandom r = new SplittableRandom(7);
        char[] a = new char[80];
        for (int round = 0; round < 200; round++) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (char) (round % 2 == 0 ? r.nextInt(32, 127) : r.nextInt(0, 0x10000));
            }
            for (int len = 0; len <= 40; len++) {
                int off = r.nextInt(0, a.length - len + 1);
                assertEquals(new String(a, off, len).hashCode(), Chars.hash(a, off, len), "len " + len);
            }
        }
    }
}
