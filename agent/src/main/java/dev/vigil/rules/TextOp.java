package dev.vigil.rules;

import dev.vigil.event.Chars;
import dev.vigil.event.Utf8;
import java.util.Arrays;
import java.util.List;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * An operator with its constant(s), applied to a text value given as a char range, or as the UTF-8 bytes
 * an event holds ({@link #testUtf8}). Built at compile time; allocation-free when applied, except the
 * regex operator, which reuses its matcher (one thread only) and runs in time linear in the value
 * (RE2/J: no backtracking, so a crafted value cannot stall the pipeline).
 */
@FunctionalInterface
interface TextOp {
    boolean test(char[] a, int off, int len);

    /**
     * The same answer for the text whose UTF-8 bytes are {@code a[off .. +len)}: decoded into {@code chars}
     * and tested, unless the operator answers from the bytes themselves ({@link InOrder}).
     */
    default boolean testUtf8(byte[] a, int off, int len, DecodeBuffer chars) {
        char[] c = chars.decode(a, off, len);
        return test(c, 0, chars.length());
    }

    /**
     * An operator that compares a text's characters in order with its constants' (equality, prefixes,
     * suffixes, substrings, lists): over UTF-8 it compares the bytes as they are, without decoding them.
     * UTF-8 codes each character by one byte sequence and no character's sequence begins inside another's,
     * so a byte comparison gives the character comparison's answer.
     */
    abstract class InOrder implements TextOp {
        /** A text given as chars (a rendered number, a label, a transformed value), encoded: one thread only. */
        private byte[] encoded = new byte[64];

        abstract boolean testBytes(byte[] a, int off, int len);

        @Override
        public boolean test(char[] a, int off, int len) {
            if (encoded.length < Utf8.MAX_BYTES_PER_CHAR * len) {
                encoded = new byte[Utf8.MAX_BYTES_PER_CHAR * len];
            }
            return testBytes(encoded, 0, Utf8.encode(a, off, len, encoded, 0));
        }

        @Override
        public final boolean testUtf8(byte[] a, int off, int len, DecodeBuffer chars) {
            return testBytes(a, off, len);
        }
    }

    TextOp ANY = new InOrder() {
        @Override
        public boolean test(char[] a, int off, int len) {
            return true;
        }

        @Override
        boolean testBytes(byte[] a, int off, int len) {
            return true;
        }
    };

    static TextOp not(TextOp op) {
        return new TextOp() {
            @Override
            public boolean test(char[] a, int off, int len) {
                return !op.test(a, off, len);
            }

            @Override
            public boolean testUtf8(byte[] a, int off, int len, DecodeBuffer chars) {
                return !op.testUtf8(a, off, len, chars);
            }
        };
    }

    static TextOp equalTo(String s) {
        byte[] u = utf8(s);
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return len == u.length && regionEquals(a, off, u);
            }
        };
    }

    static TextOp equalToIgnoreCase(String s) {
        return (a, off, len) -> Chars.equalsIgnoreCase(a, off, len, s);
    }

    static TextOp in(List<String> items) {
        Utf8Set bytes = new Utf8Set(items.stream().distinct().toArray(String[]::new));
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return bytes.contains(a, off, len);
            }
        };
    }

    static TextOp contains(String s, boolean ignoreCase) {
        if (ignoreCase) {
            char[] n = s.toCharArray();
            return (a, off, len) -> indexOf(a, off, len, n, true) >= 0;
        }
        byte[] u = utf8(s);
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return indexOf(a, off, len, u) >= 0;
            }
        };
    }

    static TextOp startsWith(String s) {
        byte[] u = utf8(s);
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return len >= u.length && regionEquals(a, off, u);
            }
        };
    }

    static TextOp endsWith(String s) {
        byte[] u = utf8(s);
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return len >= u.length && regionEquals(a, off + len - u.length, u);
            }
        };
    }

    /** Path-prefix match against any of the prefixes: equal, or a prefix followed by '/'. */
    static TextOp pathPrefix(List<String> prefixes) {
        byte[][] us = prefixes.stream().map(p -> p.endsWith("/") && p.length() > 1
            ? p.substring(0, p.length() - 1) : p).map(TextOp::utf8).toArray(byte[][]::new);
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                for (byte[] p : us) {
                    if (len >= p.length && regionEquals(a, off, p)
                            && (len == p.length || a[off + p.length] == '/' || (p.length == 1 && p[0] == '/'))) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    /**
     * Falco's {@code bcontains}/{@code bstartswith}: the text's UTF-8 bytes hold (or begin with) these
     * bytes.
     */
    static TextOp bytes(byte[] raw, boolean prefixOnly) {
        return new InOrder() {
            @Override
            boolean testBytes(byte[] a, int off, int len) {
                return prefixOnly ? len >= raw.length && regionEquals(a, off, raw)
                    : indexOf(a, off, len, raw) >= 0;
            }
        };
    }

    static TextOp glob(String pattern, boolean ignoreCase) {
        char[] p = pattern.toCharArray();
        return (a, off, len) -> Glob.matches(p, a, off, len, ignoreCase);
    }

    /**
     * Full match against an RE2-syntax pattern, as Falco's {@code regex}.
     *
     * @throws com.google.re2j.PatternSyntaxException when RE2 rejects the pattern (backreferences,
     *     lookaround and possessive quantifiers are not RE2 syntax)
     */
    static TextOp regex(String pattern) {
        Pattern compiled = Pattern.compile(pattern);
        CharRange range = new CharRange();
        Matcher m = compiled.matcher("");
        return (a, off, len) -> {
            range.set(a, off, len);
            return m.reset(range).matches();
        };
    }

    static TextOp anyOf(TextOp[] ops) {
        return new TextOp() {
            @Override
            public boolean test(char[] a, int off, int len) {
                for (TextOp o : ops) {
                    if (o.test(a, off, len)) {
                        return true;
                    }
                }
                return false;
            }

            @Override
            public boolean testUtf8(byte[] a, int off, int len, DecodeBuffer chars) {
                for (TextOp o : ops) {
                    if (o.testUtf8(a, off, len, chars)) {
                        return true;
                    }
                }
                return false;
            }
        };
    }

    static TextOp allOf(TextOp[] ops) {
        return new TextOp() {
            @Override
            public boolean test(char[] a, int off, int len) {
                for (TextOp o : ops) {
                    if (!o.test(a, off, len)) {
                        return false;
                    }
                }
                return true;
            }

            @Override
            public boolean testUtf8(byte[] a, int off, int len, DecodeBuffer chars) {
                for (TextOp o : ops) {
                    if (!o.testUtf8(a, off, len, chars)) {
                        return false;
                    }
                }
                return true;
            }
        };
    }

    private static byte[] utf8(String s) {
        return Utf8.bytes(s);
    }

    /**
     * Whether {@code a} holds {@code n} at {@code off}. A loop, not {@code Arrays.equals}: constants are short and
     * most comparisons end at the first byte, before the JDK's range checks and vectorised compare would start.
     */
    static boolean regionEquals(byte[] a, int off, byte[] n) {
        for (int j = 0; j < n.length; j++) {
            if (a[off + j] != n[j]) {
                return false;
            }
        }
        return true;
    }

    /** The first index of {@code n} in {@code a[off .. +len)}, counted from {@code off}, or -1. */
    static int indexOf(byte[] a, int off, int len, byte[] n) {
        outer:
        for (int i = 0; i + n.length <= len; i++) {
            for (int j = 0; j < n.length; j++) {
                if (a[off + i + j] != n[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A set of texts by their UTF-8 bytes, looked up over a byte range without allocating. Immutable. */
    final class Utf8Set {
        private final byte[][] items;
        private final int[] slots; // open addressing on the bytes' hash: index + 1, 0 = empty
        private final int mask;

        Utf8Set(String[] texts) {
            items = Arrays.stream(texts).map(TextOp::utf8).toArray(byte[][]::new);
            int size = Integer.highestOneBit(Math.max(4, items.length * 4) - 1) << 1;
            slots = new int[size];
            mask = size - 1;
            for (int i = 0; i < items.length; i++) {
                int s = Chars.hash(items[i], 0, items[i].length) & mask;
                while (slots[s] != 0) {
                    s = (s + 1) & mask;
                }
                slots[s] = i + 1;
            }
        }

        boolean contains(byte[] a, int off, int len) {
            for (int s = Chars.hash(a, off, len) & mask; slots[s] != 0; s = (s + 1) & mask) {
                byte[] item = items[slots[s] - 1];
                if (item.length == len && regionEquals(a, off, item)) {
                    return true;
                }
            }
            return false;
        }
    }

    static int indexOf(char[] a, int off, int len, char[] n, boolean ignoreCase) {
        outer:
        for (int i = 0; i + n.length <= len; i++) {
            for (int j = 0; j < n.length; j++) {
                char c = a[off + i + j];
                char d = n[j];
                if (c != d && (!ignoreCase || Character.toLowerCase(c) != Character.toLowerCase(d))) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** A reusable CharSequence view over a char range (for regex matching without copying). */
    final class CharRange implements CharSequence {
        private char[] a = new char[0];
        private int off;
        private int len;

        void set(char[] a, int off, int len) {
            this.a = a;
            this.off = off;
            this.len = len;
        }

        @Override
        public int length() {
            return len;
        }

        @Override
        public char charAt(int index) {
            return a[off + index];
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new String(a, off + start, end - start);
        }

        @Override
        public String toString() {
            return new String(a, off, len);
        }
    }

    /** fnmatch-style full match: '*', '?', '[…]' classes ('!' or '^' negates), '\' escapes. */
    final class Glob {
        private Glob() {
        }

        static boolean matches(char[] p, char[] a, int off, int len, boolean ic) {
            int pi = 0;
            int si = 0;
            int starP = -1;
            int starS = -1;
            while (si < len) {
                if (pi < p.length && p[pi] == '*') {
                    starP = ++pi;
                    starS = si;
                    continue;
                }
                if (pi < p.length) {
                    int next = matchOne(p, pi, a[off + si], ic);
                    if (next > 0) {
                        pi = next;
                        si++;
                        continue;
                    }
                }
                if (starP < 0) {
                    return false;
                }
                pi = starP;
                si = ++starS;
            }
            while (pi < p.length && p[pi] == '*') {
                pi++;
            }
            return pi == p.length;
        }

        /** The pattern index after p[pi] if it matches c, else -1. */
        private static int matchOne(char[] p, int pi, char c, boolean ic) {
            char x = p[pi];
            if (x == '?') {
                return pi + 1;
            }
            if (x == '\\' && pi + 1 < p.length) {
                return same(p[pi + 1], c, ic) ? pi + 2 : -1;
            }
            if (x == '[') {
                int i = pi + 1;
                boolean negate = i < p.length && (p[i] == '!' || p[i] == '^');
                if (negate) {
                    i++;
                }
                boolean found = false;
                boolean first = true;
                while (i < p.length && (first || p[i] != ']')) {
                    first = false;
                    char lo = p[i];
                    char hi = lo;
                    if (i + 2 < p.length && p[i + 1] == '-' && p[i + 2] != ']') {
                        hi = p[i + 2];
                        i += 2;
                    }
                    char cc = ic ? Character.toLowerCase(c) : c;
                    if ((c >= lo && c <= hi) || (ic && cc >= Character.toLowerCase(lo) && cc <= Character.toLowerCase(hi))) {
                        found = true;
                    }
                    i++;
                }
                if (i >= p.length) {
                    return same(x, c, ic) ? pi + 1 : -1; // no closing ']': a literal '['
                }
                return found != negate ? i + 1 : -1;
            }
            return same(x, c, ic) ? pi + 1 : -1;
        }

        private static boolean same(char x, char c, boolean ic) {
            return x == c || (ic && Character.toLowerCase(x) == Character.toLowerCase(c));
        }
    }
}
