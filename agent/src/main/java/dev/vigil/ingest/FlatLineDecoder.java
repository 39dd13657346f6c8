package dev.vigil.ingest;

import dev.vigil.event.Event;

/**
 * The fast path of {@link EventDecoder}: decodes the common shape of a line straight from its bytes,
 * with the same result as {@link JacksonEventDecoder} (slot and reject reason).
 *
 * <p>It takes an ASCII line holding one flat object whose keys and string values need no unescaping
 * and whose values are strings, integers of at most 64 bits, booleans or null: what sensors send. For
 * anything else (an escape, a non-ASCII byte, a nested value, a fraction or exponent, a syntax error,
 * trailing data…) {@link #decode} returns false and the caller hands the line to the general decoder,
 * so every rare form keeps the general decoder's exact semantics and this class never has to classify
 * a syntax error. What a value means is not decided here: each goes, as its bytes, to the
 * {@link SlotWriter} that the general decoder uses too; the differential tests keep the two scanners
 * in step.
 *
 * <p>The bytes are scanned in place; a key name is found through a {@link KeyTable}, a string kept as
 * text is copied straight into the event's (UTF-8) arena. A non-ASCII byte is caught by the same compare
 * that catches control chars (bytes are signed). Nothing is allocated once the connection's key names
 * have been seen.
 *
 * <p>Threading: one connection, one thread; not thread-safe.
 */
final class FlatLineDecoder {
    /** Names that are not known keys, remembered before the key table forgets them (bounds memory). */
    static final int MAX_UNKNOWN_KEYS = 4096;
    /** Longer key names are left to the general decoder (whose parser limits name length). */
    private static final int MAX_KEY_LENGTH = 1024;

    private final KeyTable keys = new KeyTable(MAX_UNKNOWN_KEYS);
    private final SlotWriter writer = new SlotWriter();

    private RejectReason reason;
    /** The value just read was null (which is left out, "not available", as sysdig writes it). */
    private boolean nullValue;

    /**
     * Decodes {@code buf[off .. off+len)}, a line ending in its newline, into {@code event}.
     *
     * @return true when decided ({@link #reason()} then holds the outcome, null for a valid event);
     *         false when the line is not of the form this decoder takes (the slot is then partly written)
     */
    boolean decode(byte[] buf, int off, int len, Event event, long receiveEpochNanos) {
        if (len == 0 || buf[off + len - 1] != '\n') {
            return false; // the newline is the sentinel that stops every scan below
        }
        byte[] c = buf;
        writer.begin(event, buf);
        reason = null;
        int end = off + len;
        int p = skipSpace(c, off, end);
        if (p == end || c[p] != '{') {
            return false;
        }
        p = skipSpace(c, p + 1, end);
        if (p == end) {
            return false;
        }
        if (c[p] == '}') {
            p++;
        } else {
            p = members(c, p, end);
            if (p < 0) {
                return p == DECIDED;
            }
        }
        if (skipSpace(c, p, end) != end) {
            return false; // data after the object
        }
        reason = writer.finish(receiveEpochNanos);
        return true;
    }

    /** The outcome of the last line {@link #decode} decided: null for valid, else why it was rejected. */
    RejectReason reason() {
        return reason;
    }

    /** {@link #members} result: the line is left to the general decoder. */
    private static final int UNSURE = -1;
    /** {@link #members} result: rejected ({@link #reason} says why). */
    private static final int DECIDED = -2;

    /**
     * Reads {@code "key":value} pairs from {@code c[p]} (a key's opening quote, after the object's
     * brace) through the closing brace. Returns the index after the brace, or {@link #UNSURE} /
     * {@link #DECIDED}.
     */
    private int members(byte[] c, int p, int end) {
        KeyTable keys = this.keys;
        SlotWriter writer = this.writer;
        int previous = KeyTable.START;
        while (true) {
            if (c[p] != '"') {
                return UNSURE;
            }
            // The key: first as one of the two names that followed the previous key last, else scanned and hashed.
            int keyStart = p + 1;
            int entry = keys.predicted(previous);
            if ((entry >= 0 && keys.matchesAt(entry, c, keyStart, end))
                || ((entry = keys.alternative(previous)) >= 0 && keys.matchesAt(entry, c, keyStart, end))) {
                p = keyStart + keys.length(entry) + 1;
            } else {
                int h = 0;
                int q = keyStart;
                for (byte ch; (ch = c[q]) != '"'; q++) {
                    if (ch == '\\' || ch < 0x20) {
                        return UNSURE; // an escape, a control char (or the line's end), a non-ASCII byte
                    }
                    h = 31 * h + ch;
                }
                if (q - keyStart > MAX_KEY_LENGTH) {
                    return UNSURE;
                }
                entry = keys.lookup(c, keyStart, q - keyStart, h);
                p = q + 1;
                keys.follow(previous, entry);
            }
            previous = entry;

            // Sensors write no whitespace between tokens: each separator is tested in place first,
            // skipSpace only runs when it is not there (the newline stops every scan).
            if (c[p] != ':') {
                p = skipSpace(c, p, end);
                if (p == end || c[p] != ':') {
                    return UNSURE;
                }
            }
            byte ch = c[++p];
            if (ch <= ' ') { // whitespace, else a control char or non-ASCII byte that value() refuses
                p = skipSpace(c, p, end);
                if (p == end) {
                    return UNSURE;
                }
                ch = c[p];
            }
            if (ch == '"') {
                p = string(c, p + 1, end);
            } else {
                p = value(c, p, end);
            }
            if (p < 0) {
                return UNSURE;
            }
            // The value's end must be certain before it is applied: what follows is a comma or the brace.
            byte sep = c[p];
            if (sep != ',' && sep != '}') {
                p = skipSpace(c, p, end);
                if (p == end) {
                    return UNSURE;
                }
                sep = c[p];
                if (sep != ',' && sep != '}') {
                    return UNSURE;
                }
            }
            if (!nullValue) {
                int code = keys.code(entry);
                // Only an extra is named by its String: a known key's name is not loaded.
                RejectReason r = writer.put(code, code == SlotWriter.UNKNOWN ? keys.name(entry) : null);
                if (r != null) {
                    reason = r;
                    return DECIDED;
                }
            }
            p++;
            if (sep == '}') {
                return p;
            }
            if (c[p] != '"') {
                p = skipSpace(c, p, end);
                if (p == end) {
                    return UNSURE;
                }
            }
        }
    }

    /**
     * Reads the value at {@code c[p]} into the {@link SlotWriter}; returns the index after it, or
     * {@link #UNSURE} for what this decoder leaves to the general one (escapes, control chars,
     * nested values, fractions, exponents, integers beyond 64 bits, anything invalid).
     */
    private int value(byte[] c, int p, int end) {
        byte ch = c[p];
        nullValue = false;
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            return integer(c, p, end);
        }
        if (ch == 't' && c[p + 1] == 'r' && c[p + 2] == 'u' && c[p + 3] == 'e') {
            writer.bool(true);
            return p + 4;
        }
        if (ch == 'f' && c[p + 1] == 'a' && c[p + 2] == 'l' && c[p + 3] == 's' && c[p + 4] == 'e') {
            writer.bool(false);
            return p + 5;
        }
        if (ch == 'n' && c[p + 1] == 'u' && c[p + 2] == 'l' && c[p + 3] == 'l') {
            nullValue = true;
            return p + 4;
        }
        return UNSURE;
    }

    /**
     * The string whose first char is at {@code c[start]}, into the {@link SlotWriter}; returns
     * the index after its closing quote, or {@link #UNSURE} for an escape, a control char or a
     * non-ASCII byte. Kept small so that the JIT inlines it into {@link #members}.
     */
    private int string(byte[] c, int start, int end) {
        nullValue = false;
        int q = start;
        // Eight bytes at a time to the first byte that ends or interrupts the string…
        for (int last = end - 8; q <= last; q += 8) {
            long specials = ByteScan.stringSpecials(ByteScan.word(c, q));
            if (specials != 0) {
                q += Long.numberOfTrailingZeros(specials) >>> 3;
                break;
            }
        }
        // …which this loop then judges (and it scans the last bytes of the line).
        byte ch;
        for (; (ch = c[q]) != '"'; q++) {
            if (ch == '\\' || ch < 0x20) {
                return UNSURE;
            }
        }
        writer.asciiString(start, q - start);
        return q + 1;
    }

    /** A JSON integer ({@code -?(0|[1-9][0-9]*)}) that fits a signed 64-bit value without being its minimum. */
    private int integer(byte[] c, int p, int end) {
        int start = p;
        boolean negative = c[p] == '-';
        if (negative) {
            p++;
        }
        int firstDigit = p;
        long v = 0;
        // Eight digits at a time (an event time has 19), then one at a time. Past 19 digits the value
        // overflows, but such a number is handed over below anyway.
        for (long w; p + 8 <= end && ByteScan.allDigits(w = ByteScan.word(c, p)); p += 8) {
            v = v * 100_000_000L + ByteScan.eightDigits(w);
        }
        byte ch;
        while ((ch = c[p]) >= '0' && ch <= '9') {
            v = v * 10 + (ch - '0');
            p++;
        }
        int n = p - firstDigit;
        if (n == 0 || n > 19 || (n > 1 && c[firstDigit] == '0')) {
            return UNSURE; // no digit, too long, or a leading zero (not JSON)
        }
        if (n == 19 && !fitsNineteenDigits(c, firstDigit)) {
            return UNSURE;
        }
        if (ch == '.' || ch == 'e' || ch == 'E') {
            return UNSURE; // a fraction or exponent: the general decoder keeps its text
        }
        writer.asciiInteger(start, p - start, negative ? -v : v);
        return p;
    }

    private static final byte[] MAX_LONG_DIGITS = "9223372036854775807".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Whether 19 digits are at most Long.MAX_VALUE (9223372036854775807), compared as text. */
    private static boolean fitsNineteenDigits(byte[] c, int p) {
        byte[] max = MAX_LONG_DIGITS;
        for (int i = 0; i < 19; i++) {
            byte d = c[p + i];
            byte m = max[i];
            if (d != m) {
                return d < m;
            }
        }
        return true;
    }

    // ---- scanning ----

    /** The index of the first byte at or after {@code p} that is not JSON whitespace, or {@code end}. */
    private static int skipSpace(byte[] c, int p, int end) {
        while (p < end) {
            byte ch = c[p];
            if (ch != ' ' && ch != '\n' && ch != '\r' && ch != '\t') {
                return p;
            }
            p++;
        }
        return end;
    }
}
