package dev.vigil.rules;

import dev.vigil.event.NameTable;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/**
 * An operator with its constant(s), applied to a text value given as a char range. Built at compile
 * time; allocation-free when applied, except the regex operator, which reuses its matcher (one thread
 * only) and runs in time linear in the value (RE2/J: no backtracking, so a crafted value cannot stall
 * the pipeline).
 */
@FunctionalInterface
interface TextOp {
    boolean test(char[] a, int off, int len);

    TextOp ANY = (a, off, len) -> true;

    static TextOp not(TextOp op) {
        return (a, off, len) -> !op.test(a, off, len);
    }

    static TextOp equalTo(String s) {
        return (a, off, len) -> dev.vigil.event.Chars.equals(a, off, len, s);
    }

    static TextOp equalToIgnoreCase(String s) {
        return (a, off, len) -> dev.vigil.event.Chars.equalsIgnoreCase(a, off, len, s);
    }

    static TextOp in(java.util.List<String> items) {
        String[] names = items.stream().distinct().toArray(String[]::new);
        NameTable t = new NameTable(names, new long[names.length]);
        return (a, off, len) -> t.lookup(a, off, len) != dev.vigil.event.Chars.NOT_A_NUMBER;
    }

    static TextOp contains(String s, boolean ignoreCase) {
        char[] n = s.toCharArray();
        return (a, off, len) -> indexOf(a, off, len, n, ignoreCase) >= 0;
    }

    static TextOp startsWith(String s) {
        char[] n = s.toCharArray();
        return (a, off, len) -> len >= n.length && regionEquals(a, off, n, false);
    }

    static TextOp endsWith(String s) {
        char[] n = s.toCharArray();
        return (a, off, len) -> len >= n.length && regionEquals(a, off + len - n.length, n, false);
    }

    /** Path-prefix match against any of the prefixes: equal, or a prefix followed by '/'. */
    static TextOp pathPrefix(java.util.List<String> prefixes) {
        char[][] ps = prefixes.stream().map(p -> p.endsWith("/") && p.length() > 1
            ? p.substring(0, p.length() - 1) : p).map(String::toCharArray).toArray(char[][]::new);
        return (a, off, len) -> {
            for (char[] p : ps) {
                if (len >= p.length && regionEquals(a, off, p, false)
                        && (len == p.length || a[off + p.length] == '/' || (p.length == 1 && p[0] == '/'))) {
                    return true;
                }
            }
            return false;
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
        return (a, off, len) -> {
            for (TextOp o : ops) {
                if (o.test(a, off, len)) {
                    return true;
                }
            }
            return false;
        };
    }

    static TextOp allOf(TextOp[] ops) {
        return (a, off, len) -> {
            for (TextOp o : ops) {
                if (!o.test(a, off, len)) {
                    return false;
                }
            }
            return true;
        };
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

    static boolean regionEquals(char[] a, int off, char[] n, boolean ignoreCase) {
        for (int j = 0; j < n.length; j++) {
            char c = a[off + j];
            if (c != n[j] && (!ignoreCase || Character.toLowerCase(c) != Character.toLowerCase(n[j]))) {
                return false;
            }
        }
        return true;
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
