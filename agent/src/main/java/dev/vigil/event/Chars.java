package dev.vigil.event;

/**
 * Comparisons and parsing over char ranges, and comparisons over the UTF-8 byte ranges of an event's text,
 * so that the hot path needs no Strings.
 */
public final class Chars {
    private Chars() {
    }

    public static boolean equals(char[] a, int off, int len, String s) {
        if (len != s.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (a[off + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    public static boolean startsWith(char[] a, int off, int len, String prefix) {
        if (len < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (a[off + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    public static boolean equalsIgnoreCase(char[] a, int off, int len, String s) {
        if (len != s.length()) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            char c = a[off + i];
            char d = s.charAt(i);
            if (c != d && Character.toLowerCase(c) != Character.toLowerCase(d)) {
                return false;
            }
        }
        return true;
    }

    /** Whether the UTF-8 bytes {@code a[off .. +len)} are {@code s}'s text. */
    public static boolean equals(byte[] a, int off, int len, String s) {
        return prefixBytes(a, off, len, s) == len;
    }

    /** Whether the UTF-8 bytes {@code a[off .. +len)} begin with {@code prefix}'s text. */
    public static boolean startsWith(byte[] a, int off, int len, String prefix) {
        return prefixBytes(a, off, len, prefix) >= 0;
    }

    /** The bytes {@code prefix} takes at the range's start, or -1 when the range does not begin with it. */
    private static int prefixBytes(byte[] a, int off, int len, String prefix) {
        int n = prefix.length();
        if (len < n) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            char c = prefix.charAt(i);
            if (c >= 0x80) {
                byte[] p = Utf8.bytes(prefix); // not ASCII: rare
                return len >= p.length && java.util.Arrays.equals(a, off, off + p.length, p, 0, p.length) ? p.length : -1;
            }
            if (a[off + i] != c) {
                return -1;
            }
        }
        return n;
    }

    /** A hash of the bytes; for ASCII text equal to its String's {@code hashCode()}. */
    public static int hash(byte[] a, int off, int len) {
        int h = 0;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            h = 923_521 * h + 29_791 * (a[off + i] & 0xFF) + 961 * (a[off + i + 1] & 0xFF)
                + 31 * (a[off + i + 2] & 0xFF) + (a[off + i + 3] & 0xFF);
        }
        for (; i < len; i++) {
            h = 31 * h + (a[off + i] & 0xFF);
        }
        return h;
    }

    /** A hash of the range equal to {@code new String(a, off, len).hashCode()}. */
    public static int hash(char[] a, int off, int len) {
        // String.hashCode's polynomial, four chars a step: the four products do not wait on each other.
        int h = 0;
        int i = 0;
        for (; i + 4 <= len; i += 4) {
            h = 923_521 * h + 29_791 * a[off + i] + 961 * a[off + i + 1] + 31 * a[off + i + 2] + a[off + i + 3];
        }
        for (; i < len; i++) {
            h = 31 * h + a[off + i];
        }
        return h;
    }

    /** Marker returned by {@link #parseLong} when the range is not a decimal or 0x-hex integer. */
    public static final long NOT_A_NUMBER = Long.MIN_VALUE;

    /**
     * Parses a decimal integer (optionally signed) or a {@code 0x} hex integer. Returns
     * {@link #NOT_A_NUMBER} when the range is anything else or overflows.
     */
    public static long parseLong(char[] a, int off, int len) {
        if (len == 0) {
            return NOT_A_NUMBER;
        }
        int i = off;
        int end = off + len;
        if (len > 2 && a[i] == '0' && (a[i + 1] == 'x' || a[i + 1] == 'X')) {
            return parseHex(a, i + 2, end - i - 2);
        }
        boolean negative = false;
        if (a[i] == '-' || a[i] == '+') {
            negative = a[i] == '-';
            i++;
            if (i == end) {
                return NOT_A_NUMBER;
            }
        }
        long v = 0;
        for (; i < end; i++) {
            char c = a[i];
            if (c < '0' || c > '9') {
                return NOT_A_NUMBER;
            }
            if (v > (Long.MAX_VALUE - (c - '0')) / 10) {
                return NOT_A_NUMBER;
            }
            v = v * 10 + (c - '0');
        }
        return negative ? -v : v;
    }

    /** Writes the decimal digits of {@code v} into {@code out} (at least 20 chars); returns their count. */
    public static int format(long v, char[] out) {
        if (v == Long.MIN_VALUE) {
            "-9223372036854775808".getChars(0, 20, out, 0);
            return 20;
        }
        int n = 0;
        boolean negative = v < 0;
        long x = negative ? -v : v;
        do {
            out[n++] = (char) ('0' + x % 10);
            x /= 10;
        } while (x != 0);
        if (negative) {
            out[n++] = '-';
        }
        for (int i = 0, j = n - 1; i < j; i++, j--) {
            char c = out[i];
            out[i] = out[j];
            out[j] = c;
        }
        return n;
    }

    /** Parses up to 16 hex digits as an unsigned 64-bit value; {@link #NOT_A_NUMBER} otherwise. */
    public static long parseHex(char[] a, int off, int len) {
        if (len == 0 || len > 16) {
            return NOT_A_NUMBER;
        }
        long v = 0;
        for (int i = off; i < off + len; i++) {
            int d = Character.digit(a[i], 16);
            if (d < 0) {
                return NOT_A_NUMBER;
            }
            v = (v << 4) | d;
        }
        // A full 64-bit mask with the top bit set collides with the marker only for 0x8000000000000000.
        return v;
    }
}
