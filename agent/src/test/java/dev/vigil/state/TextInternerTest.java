package dev.vigil.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TextInternerTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void theSameTextGivesTheSameStringWhereverItsBytesAre() {
        TextInterner t = new TextInterner(64, 100);
        byte[] a = utf8("xxnginx");
        byte[] b = utf8("nginx");
        byte[] first = t.intern(a, 2, 5);
        assertArrayEquals(b, first);
        assertSame(first, t.intern(b, 0, 5));
        byte[] seeded = t.intern("sh"); // as /proc seeds it: the same entry for the same text
        assertSame(seeded, t.intern(utf8("xsh"), 1, 2));
        assertArrayEquals(utf8("\u00fcber"), t.intern("\u00fcber"));
        assertSame(t.intern("\u00fcber"), t.intern(utf8("\u00fcber"), 0, 5));
    }

    @Test
    void aTextOverTheLimitIsCutBeforeTheCharacterTheLimitFallsInside() {
        TextInterner t = new TextInterner(64, 5);
        byte[] cafe = utf8("abcd\u00e9f"); // é takes bytes 4 and 5: a cut at 5 falls inside it
        assertArrayEquals(utf8("abcd"), t.intern(cafe, 0, cafe.length));
        byte[] ascii = utf8("abcdefgh");
        assertArrayEquals(utf8("abcde"), t.intern(ascii, 0, ascii.length));
        assertArrayEquals(utf8("abcd"), t.intern("abcd\u00e9f"));
    }
}
