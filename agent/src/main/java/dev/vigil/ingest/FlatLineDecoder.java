package dev.vigil.ingest;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

/**
 * The fast path of {@link EventDecoder}: decodes the common shape of a line straight from its bytes,
 * with the same result as {@link JacksonEventDecoder} (slot and reject reason).
 *
 * <p>It takes an ASCII line holding one flat object whose keys and string values need no unescaping
 * and whose values are strings, integers of at most 64 bits, booleans or null: what sensors send. For
 * anything else (an escape, a non-ASCII byte, a nested value, a fraction or exponent, a syntax error,
 * trailing data…) {@link #decode} returns false and the caller hands the line to the general decoder,
 * so every rare form keeps the general decoder's exact semantics and this class never has to classify
 * a syntax error. Its value rules are {@link JacksonEventDecoder}'s, rewritten for char ranges; the
 * differential tests keep the two in step.
 *
 * <p>The bytes are scanned in place; a key name is found through a {@link KeyTable}, a string kept as
 * text is widened straight into the event's arena, and only a value parsed from its text (the name
 * tables take chars) is widened into a scratch array. A non-ASCII byte is caught by the same compare
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

    private static final int STRING = 0;
    private static final int INT = 1;
    private static final int TRUE = 2;
    private static final int FALSE = 3;
    private static final int NULL = 4;

    private static final char[] TRUE_TEXT = "true".toCharArray();
    private static final char[] FALSE_TEXT = "false".toCharArray();
    private static final char[] ZERO_TEXT = {'0'};

    private final KeyTable keys = new KeyTable(MAX_UNKNOWN_KEYS);
    /** The current value's text, widened. Grows to the longest value seen (bounded by the line length). */
    private char[] text = new char[256];

    // Per line.
    private boolean resFromRaw;
    private boolean resUnresolved;
    private long evtTime;
    private RejectReason reason;
    // The value being applied: its kind, its bytes line[valueStart .. +valueLength) (strings and
    // integers), an integer's value, and whether text[0 .. valueLength) holds its chars yet.
    private byte[] line;
    private int kind;
    private int valueStart;
    private int valueLength;
    private long number;
    private boolean widened;

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
        line = buf;
        event.clear();
        resFromRaw = false;
        resUnresolved = false;
        evtTime = Long.MIN_VALUE;
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
            p = members(c, p, end, event);
            if (p < 0) {
                return p == DECIDED;
            }
        }
        if (skipSpace(c, p, end) != end) {
            return false; // data after the object
        }
        reason = finish(event, receiveEpochNanos);
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
    private int members(byte[] c, int p, int end, Event event) {
        KeyTable keys = this.keys;
        int previous = KeyTable.START;
        while (true) {
            if (c[p] != '"') {
                return UNSURE;
            }
            // The key: first as the name that followed the previous key last time, else scanned and hashed.
            int keyStart = p + 1;
            int entry = keys.predicted(previous);
            if (entry >= 0 && keys.matchesAt(entry, c, keyStart, end)) {
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
            }
            keys.follow(previous, entry);
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
            if (kind != NULL) { // null means "not available", as sysdig writes it
                RejectReason r = apply(keys.code(entry), entry, event);
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
     * Reads the value at {@code c[p]} into {@link #kind} and friends; returns the index after it, or
     * {@link #UNSURE} for what this decoder leaves to the general one (escapes, control chars,
     * nested values, fractions, exponents, integers beyond 64 bits, anything invalid).
     */
    private int value(byte[] c, int p, int end) {
        byte ch = c[p];
        widened = false;
        if (ch == '-' || (ch >= '0' && ch <= '9')) {
            return integer(c, p, end);
        }
        if (ch == 't' && c[p + 1] == 'r' && c[p + 2] == 'u' && c[p + 3] == 'e') {
            kind = TRUE;
            return p + 4;
        }
        if (ch == 'f' && c[p + 1] == 'a' && c[p + 2] == 'l' && c[p + 3] == 's' && c[p + 4] == 'e') {
            kind = FALSE;
            return p + 5;
        }
        if (ch == 'n' && c[p + 1] == 'u' && c[p + 2] == 'l' && c[p + 3] == 'l') {
            kind = NULL;
            return p + 4;
        }
        return UNSURE;
    }

    /**
     * The string whose first char is at {@code c[start]}: sets {@link #kind} and friends; returns
     * the index after its closing quote, or {@link #UNSURE} for an escape, a control char or a
     * non-ASCII byte. Kept small so that the JIT inlines it into {@link #members}.
     */
    private int string(byte[] c, int start, int end) {
        widened = false;
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
        kind = STRING;
        valueStart = start;
        valueLength = q - start;
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
        kind = INT;
        valueStart = start;
        valueLength = p - start;
        number = negative ? -v : v;
        return p;
    }

    /** Whether 19 digits are at most Long.MAX_VALUE (9223372036854775807), compared as text. */
    private static boolean fitsNineteenDigits(byte[] c, int p) {
        String max = "9223372036854775807";
        for (int i = 0; i < 19; i++) {
            char d = (char) c[p + i];
            char m = max.charAt(i);
            if (d != m) {
                return d < m;
            }
        }
        return true;
    }

    // ---- the value rules (JacksonEventDecoder's, over char ranges) ----

    // What a key's value is for, by its code (KeyTable.UNKNOWN .. the last Field id): one int switch
    // per key instead of a Field lookup and a switch on its kind.
    private static final int TEXT_FIELD = 0;
    private static final int TYPE_FIELD = 1;
    private static final int LONG_FIELD = 2;
    private static final int BOOL_FIELD = 3;
    private static final int CAPS_FIELD = 4;
    private static final int TIME_KEY = 5;
    private static final int RAWRES_KEY = 6;
    private static final int EXTRA_KEY = 7;
    private static final int CODE_BASE = -KeyTable.UNKNOWN;
    private static final byte[] ACTIONS = actions();

    private static byte[] actions() {
        byte[] a = new byte[CODE_BASE + Field.COUNT];
        a[CODE_BASE + KeyTable.UNKNOWN] = EXTRA_KEY;
        a[CODE_BASE + KeyTable.EVT_TIME] = TIME_KEY;
        a[CODE_BASE + KeyTable.EVT_RAWRES] = RAWRES_KEY;
        for (Field f : Field.values()) {
            a[CODE_BASE + f.id()] = (byte) (f == Field.EVT_TYPE ? TYPE_FIELD : switch (f.kind()) {
                case STRING -> TEXT_FIELD;
                case BOOL -> BOOL_FIELD;
                case CAPS -> CAPS_FIELD;
                case LONG -> LONG_FIELD;
            });
        }
        return a;
    }

    private RejectReason apply(int code, int entry, Event event) {
        switch (ACTIONS[CODE_BASE + code]) {
            case TEXT_FIELD -> {
                // A number is taken as its text (an id sent as 123), except for evt.type.
                if (kind != STRING && kind != INT) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setTextAscii(Field.byId(code), line, valueStart, valueLength);
                return null;
            }
            case TYPE_FIELD -> {
                if (kind != STRING) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setTextAscii(Field.EVT_TYPE, line, valueStart, valueLength);
                event.setEventType(EventTypes.id(event.chars(), event.textStart(Field.EVT_TYPE), valueLength));
                return null;
            }
            case LONG_FIELD -> {
                return longField(Field.byId(code), event);
            }
            case BOOL_FIELD -> {
                long v = boolValue();
                if (v < 0) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(Field.byId(code), v);
                return null;
            }
            case CAPS_FIELD -> {
                long v;
                if (kind == STRING) {
                    v = capsFromText();
                } else if (kind == INT) {
                    v = number;
                } else {
                    return RejectReason.WRONG_TYPE;
                }
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(Field.byId(code), v);
                return null;
            }
            case TIME_KEY -> {
                long v;
                if (kind == INT) {
                    v = number;
                } else if (kind == STRING) {
                    v = WireValues.timeFromText(chars(), 0, valueLength);
                } else {
                    v = Chars.NOT_A_NUMBER;
                }
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                evtTime = v;
                return null;
            }
            case RAWRES_KEY -> {
                long v = kind == INT ? number
                    : kind == STRING ? Chars.parseLong(chars(), 0, valueLength)
                    : Chars.NOT_A_NUMBER;
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(Field.EVT_RES, v);
                resFromRaw = true;
                return null;
            }
            default -> {
                extra(keys.name(entry), event);
                return null;
            }
        }
    }

    private RejectReason longField(Field f, Event event) {
        long v = longValue(f);
        if (v == Chars.NOT_A_NUMBER) {
            if (f == Field.EVT_RES && kind == STRING) {
                resUnresolved = true; // an errno name we lack: fine if evt.rawres is there too
                return null;
            }
            if (kind == STRING && WireValues.isSharedArgumentName(f)) {
                extra(f.wireName(), event); // another syscall's argument of that name: text
                return null;
            }
            return RejectReason.WRONG_TYPE;
        }
        if (f == Field.EVT_RES && resFromRaw) {
            return null; // evt.rawres wins
        }
        event.setLong(f, WireValues.stored(f, v));
        return null;
    }

    private long longValue(Field f) {
        if (kind == INT) {
            return number;
        }
        if (kind != STRING) {
            return Chars.NOT_A_NUMBER;
        }
        return WireValues.longFromText(f, chars(), 0, valueLength);
    }

    private long boolValue() {
        if (kind == TRUE) {
            return 1;
        }
        if (kind == FALSE) {
            return 0;
        }
        return kind == STRING || kind == INT ? WireValues.boolFromText(chars(), 0, valueLength) : -1;
    }

    private void extra(String name, Event event) {
        switch (kind) {
            case TRUE -> event.addExtra(name, TRUE_TEXT, 0, TRUE_TEXT.length, 1);
            case FALSE -> event.addExtra(name, FALSE_TEXT, 0, FALSE_TEXT.length, 0);
            case INT -> {
                // Its canonical decimal text, as the general decoder writes it: the JSON text but for "-0".
                if (number == 0 && valueLength == 2) {
                    event.addExtra(name, ZERO_TEXT, 0, 1, 0);
                } else {
                    event.addExtraAscii(name, line, valueStart, valueLength, number);
                }
            }
            default -> event.addExtraAscii(name, line, valueStart, valueLength, textNumber());
        }
    }

    /** Hex digits' values by ASCII code, -1 for other chars. */
    private static final byte[] HEX = new byte[128];
    /** The chars {@link Chars#parseLong} accepts anywhere: digits, hex digits, 'x', 'X', signs. */
    private static final boolean[] NUMERIC = new boolean[128];

    static {
        for (int i = 0; i < 128; i++) {
            HEX[i] = (byte) Character.digit(i, 16);
            NUMERIC[i] = HEX[i] >= 0 || i == 'x' || i == 'X' || i == '+' || i == '-';
        }
    }

    /** A CAPS string's mask: the common "0x" + hex digits read from the bytes, other forms by parseMask. */
    private long capsFromText() {
        byte[] b = line;
        int s = valueStart;
        int e = s + valueLength;
        if (valueLength > 2 && valueLength <= 18 && b[s] == '0' && (b[s + 1] == 'x' || b[s + 1] == 'X')) {
            long v = 0;
            int i = s + 2;
            for (int d; i < e && (d = HEX[b[i]]) >= 0; i++) { // a string's bytes are ASCII: 0x20..0x7F
                v = v << 4 | d;
            }
            if (i == e) {
                return v; // what parseMask answers: no space to trim, then parseHex
            }
        }
        return Capabilities.parseMask(chars(), 0, valueLength);
    }

    /** {@link Chars#parseLong} of the current string, widened only when it may be a number. */
    private long textNumber() {
        byte[] b = line;
        for (int i = valueStart, e = i + valueLength; i < e; i++) {
            if (!NUMERIC[b[i]]) {
                return Chars.NOT_A_NUMBER; // what parseLong answers for a range with such a char
            }
        }
        return Chars.parseLong(chars(), 0, valueLength);
    }

    private RejectReason finish(Event event, long receiveEpochNanos) {
        return WireValues.finish(event, resUnresolved, resFromRaw, evtTime, receiveEpochNanos);
    }

    // ---- scanning ----

    /** The current value's chars in {@code [0, valueLength)}: its bytes widened, once. */
    private char[] chars() {
        if (!widened) {
            char[] t = text;
            if (t.length < valueLength) {
                t = new char[Math.max(valueLength, t.length * 2)];
                text = t;
            }
            byte[] b = line;
            for (int i = 0, from = valueStart; i < valueLength; i++) {
                t[i] = (char) b[from + i]; // ASCII: checked while scanning
            }
            widened = true;
        }
        return text;
    }

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
