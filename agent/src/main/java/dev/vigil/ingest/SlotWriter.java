package dev.vigil.ingest;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Errno;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.event.SocketNames;
import java.util.ArrayList;
import java.util.List;

/**
 * The wire contract's value rules, written once: how one scanned value under one key becomes a slot's
 * field, an extra, evt.time or evt.rawres (number-as-text, names for numbers, capability forms,
 * {@code evt.rawres} over {@code evt.res}), and the checks at a line's end. Both scanners call it, so
 * they differ only in how they find a line's tokens: {@link FlatLineDecoder} over the line's bytes,
 * {@link JacksonEventDecoder} over its parser's tokens.
 *
 * <p>Per line: {@link #begin}, then for each key whose value is not null one value setter
 * ({@link #asciiString}, {@link #asciiInteger} for a range of the line's ASCII bytes; {@link #string},
 * {@link #integer}, {@link #numberText} for a parser's chars or numbers; {@link #bool}) and
 * {@link #put}, then {@link #finish}. A value's text is held where the scanner has it, and widened or
 * formatted only when a rule reads it; nothing is allocated once the scratch arrays have grown to the
 * longest value.
 *
 * <p>Threading: one connection, one thread; not thread-safe.
 */
final class SlotWriter {
    // Key codes beside a Field's id (>= 0): the wire keys that feed a field, and any other key (an extra).
    static final int EVT_TIME = -1;
    static final int EVT_RAWRES = -2;
    static final int UNKNOWN = -3;

    /** Every key name with a code of its own: the fields' wire names, evt.time and evt.rawres. */
    static List<String> knownKeys() {
        List<String> names = new ArrayList<>();
        for (Field f : Field.values()) {
            names.add(f.wireName());
        }
        names.add("evt.time");
        names.add("evt.rawres");
        return names;
    }

    /** A key name's code: a Field's id, {@link #EVT_TIME}, {@link #EVT_RAWRES} or {@link #UNKNOWN}. */
    static int keyCode(String name) {
        Field f = Field.byName(name);
        if (f != null) {
            return f.id();
        }
        return switch (name) {
            case "evt.time" -> EVT_TIME;
            case "evt.rawres" -> EVT_RAWRES;
            default -> UNKNOWN;
        };
    }

    // Value kinds.
    private static final int STRING = 0;
    private static final int INTEGER = 1;
    private static final int TRUE = 2;
    private static final int FALSE = 3;
    /** A number that is not a 64-bit integer (a fraction, an exponent, more digits): only its text counts. */
    private static final int NUMBER_TEXT = 4;

    private static final char[] TRUE_TEXT = "true".toCharArray();
    private static final char[] FALSE_TEXT = "false".toCharArray();
    private static final char[] ZERO_TEXT = {'0'};
    private static final char[] NEGATIVE_ZERO_TEXT = {'-', '0'};

    // Per line.
    private Event event;
    private boolean resFromRaw;
    private boolean resUnresolved;
    private long evtTime;

    /** The line's bytes, when the scanner reads them itself ({@link #begin(Event, byte[])}). */
    private byte[] line;

    // The current value: its kind, an integer's value, and its text: line[start .. +length) when it is
    // in the line's bytes (inLine), else chars[charStart .. +length). The chars are made when a rule
    // first reads them (textReady): a text in the line widened into scratch, a parser's integer
    // formatted into digits (most integers are only read as numbers). inLine is a flag, not a
    // reference to the bytes: a reference stored per value would cost a GC card mark per value.
    private int kind;
    private long number;
    private boolean inLine;
    private int start;
    private int length;
    private char[] chars;
    private int charStart;
    private boolean textReady;
    /** Widened text. Grows to the longest value read as chars (bounded by the line length). */
    private char[] scratch = new char[256];
    /** A parser's integer, formatted (its text is not asked of the parser, which may build it). */
    private final char[] digits = new char[20];

    /** Starts a line whose values are a parser's: clears the slot, which the line's values then fill. */
    void begin(Event event) {
        begin(event, null);
    }

    /** Starts a line whose values are ranges of its ASCII bytes {@code line}. */
    void begin(Event event, byte[] line) {
        this.event = event;
        this.line = line;
        event.clear();
        resFromRaw = false;
        resUnresolved = false;
        evtTime = Long.MIN_VALUE;
    }

    // ---- the value, as the scanner found it ----

    /** A string whose text is {@code line[start .. +len)}, ASCII without escapes. */
    void asciiString(int start, int len) {
        kind = STRING;
        inLine = true;
        this.start = start;
        length = len;
        textReady = false;
    }

    /** An integer {@code v} (not Long.MIN_VALUE) whose JSON text is {@code line[start .. +len)}. */
    void asciiInteger(int start, int len, long v) {
        kind = INTEGER;
        number = v;
        inLine = true;
        this.start = start;
        length = len;
        textReady = false;
    }

    /** A string whose text is {@code a[off .. +len)}, unescaped. */
    void string(char[] a, int off, int len) {
        kind = STRING;
        textChars(a, off, len);
    }

    /**
     * An integer {@code v} (not Long.MIN_VALUE); {@code negativeZero} when its text was {@code -0}, the
     * only JSON integer whose text is not {@code v}'s decimal form.
     */
    void integer(long v, boolean negativeZero) {
        kind = INTEGER;
        number = v;
        if (v == 0) {
            // The rules below read a zero's length; any other integer's text is formatted when read.
            textChars(negativeZero ? NEGATIVE_ZERO_TEXT : ZERO_TEXT, 0, negativeZero ? 2 : 1);
        } else {
            inLine = false;
            textReady = false;
        }
    }

    /** A number that is not a 64-bit integer, whose text is {@code a[off .. +len)}. */
    void numberText(char[] a, int off, int len) {
        kind = NUMBER_TEXT;
        textChars(a, off, len);
    }

    void bool(boolean v) {
        kind = v ? TRUE : FALSE;
    }

    private void textChars(char[] a, int off, int len) {
        inLine = false;
        chars = a;
        charStart = off;
        length = len;
        textReady = true;
    }

    // ---- the rules ----

    // What a key's value is for, by its code (UNKNOWN .. the last Field id): one int switch per key
    // instead of a Field lookup and a switch on its kind.
    private static final int TEXT_FIELD = 0;
    private static final int TYPE_FIELD = 1;
    private static final int LONG_FIELD = 2;
    private static final int BOOL_FIELD = 3;
    private static final int CAPS_FIELD = 4;
    private static final int TIME_KEY = 5;
    private static final int RAWRES_KEY = 6;
    private static final int EXTRA_KEY = 7;
    private static final int CODE_BASE = -UNKNOWN;
    private static final byte[] ACTIONS = actions();

    private static byte[] actions() {
        byte[] a = new byte[CODE_BASE + Field.COUNT];
        a[CODE_BASE + UNKNOWN] = EXTRA_KEY;
        a[CODE_BASE + EVT_TIME] = TIME_KEY;
        a[CODE_BASE + EVT_RAWRES] = RAWRES_KEY;
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

    /**
     * Writes the current value under the key {@code code}; returns null, or why the line is rejected.
     * {@code name} names an extra ({@link #UNKNOWN}); for any other key it may be null.
     */
    RejectReason put(int code, String name) {
        // The common cases first, in a method small enough for the JIT to inline into the scanner's
        // loop (a call per key was ~10 % of a churny line): a string of the line under a text field, an
        // integer under a plain number field. Anything else, the same as before, in putAny.
        byte action = ACTIONS[CODE_BASE + code];
        if (action == TEXT_FIELD && kind == STRING && inLine) {
            event.setTextUtf8(Field.byId(code), line, start, length);
            return null;
        }
        if (action == LONG_FIELD && kind == INTEGER && code != RES_ID && code != ARG_TYPE_ID) {
            event.setLong(Field.byId(code), number);
            return null;
        }
        return putAny(action, code, name);
    }

    /** evt.res (which evt.rawres overrides) and evt.arg.type (masked): the number fields with a rule of their own. */
    private static final int RES_ID = Field.EVT_RES.id();
    private static final int ARG_TYPE_ID = Field.EVT_ARG_TYPE.id();

    private RejectReason putAny(byte action, int code, String name) {
        switch (action) {
            case TEXT_FIELD -> {
                // A number is taken as its text (an id sent as 123), except for evt.type.
                if (kind == TRUE || kind == FALSE) {
                    return RejectReason.WRONG_TYPE;
                }
                setText(Field.byId(code));
                return null;
            }
            case TYPE_FIELD -> {
                if (kind != STRING) {
                    return RejectReason.WRONG_TYPE;
                }
                setText(Field.EVT_TYPE);
                event.setEventType(eventTypeId());
                return null;
            }
            case LONG_FIELD -> {
                return longField(Field.byId(code));
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
                long v = kind == STRING ? capsFromText() : kind == INTEGER ? number : Chars.NOT_A_NUMBER;
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(Field.byId(code), v);
                return null;
            }
            case TIME_KEY -> {
                // Integer ns, or a string: digits (ns) or RFC 3339.
                long v = kind == INTEGER ? number : kind == STRING ? timeFromText() : Chars.NOT_A_NUMBER;
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                evtTime = v;
                return null;
            }
            case RAWRES_KEY -> {
                long v = kind == INTEGER ? number
                    : kind == STRING ? Chars.parseLong(chars(), charStart, length)
                    : Chars.NOT_A_NUMBER;
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(Field.EVT_RES, v);
                resFromRaw = true;
                return null;
            }
            default -> {
                extra(name);
                return null;
            }
        }
    }

    /**
     * Event types by their name's bytes, for the few names a connection sends: a small direct-mapped
     * cache of names up to 16 bytes, each held as two words (zero past the name) beside its id. The
     * words tell the length too, as a name on this path holds no NUL byte; an empty slot holds the
     * empty name's words and id ({@link EventTypes#OTHER}). A hit costs two loads and compares where
     * the name table hashes the chars and compares them with a String's; a miss asks the name table
     * and keeps its answer.
     */
    private static final int TYPE_CACHE_BITS = 6;
    private final long[] typeWords = new long[2 << TYPE_CACHE_BITS];
    private final int[] typeIds = new int[1 << TYPE_CACHE_BITS];

    /** The current value's event type id (its text is evt.type's, already in the slot). */
    private int eventTypeId() {
        int len = length;
        if (!inLine || len > 16 || start + 16 > line.length) { // a parser's chars, a long name, the buffer's end
            return EventTypes.id(chars(), charStart, len);
        }
        long w0 = ByteScan.word(line, start) & ByteScan.lowBytes(len);
        long w1 = len > 8 ? ByteScan.word(line, start + 8) & ByteScan.lowBytes(len - 8) : 0;
        int s = (int) (((w0 ^ w1 * 31) * 0x9E3779B97F4A7C15L) >>> (64 - TYPE_CACHE_BITS));
        if (typeWords[2 * s] == w0 && typeWords[2 * s + 1] == w1) {
            return typeIds[s];
        }
        int id = EventTypes.id(chars(), charStart, len);
        typeWords[2 * s] = w0;
        typeWords[2 * s + 1] = w1;
        typeIds[s] = id;
        return id;
    }

    private RejectReason longField(Field f) {
        long v = kind == INTEGER ? number : kind == STRING ? longFromText(f) : Chars.NOT_A_NUMBER;
        if (v == Chars.NOT_A_NUMBER) {
            if (f == Field.EVT_RES && kind == STRING) {
                resUnresolved = true; // an errno name we lack: fine if evt.rawres is there too
                return null;
            }
            if (kind == STRING && isSharedArgumentName(f)) {
                extra(f.wireName()); // another syscall's argument of that name: text
                return null;
            }
            return RejectReason.WRONG_TYPE;
        }
        if (f == Field.EVT_RES && resFromRaw) {
            return null; // evt.rawres wins
        }
        // SOCK_CLOEXEC/SOCK_NONBLOCK are masked off a socket type.
        event.setLong(f, f == Field.EVT_ARG_TYPE ? v & SocketNames.SOCK_TYPE_MASK : v);
        return null;
    }

    /**
     * Argument names that other syscalls use for other things than a socket's or a capability
     * check's (mount's evt.arg.type is the file system, "tmpfs"): a name that does not resolve is
     * then kept as text, as any other argument.
     */
    private static boolean isSharedArgumentName(Field f) {
        return f == Field.EVT_ARG_TYPE || f == Field.EVT_ARG_DOMAIN || f == Field.EVT_ARG_PROTO || f == Field.EVT_ARG_CAP;
    }

    /**
     * A LONG field's value from a string: its digits, else for some fields a name (an errno, a socket
     * family or type, a capability). {@link Chars#NOT_A_NUMBER} if neither.
     */
    private long longFromText(Field f) {
        char[] a = chars();
        long v = Chars.parseLong(a, charStart, length);
        if (v != Chars.NOT_A_NUMBER) {
            return v;
        }
        return switch (f) {
            case EVT_RES -> Errno.value(a, charStart, length);
            case EVT_ARG_DOMAIN -> SocketNames.family(a, charStart, length);
            case EVT_ARG_TYPE -> SocketNames.type(a, charStart, length);
            case EVT_ARG_CAP -> Capabilities.number(a, charStart, length);
            default -> Chars.NOT_A_NUMBER;
        };
    }

    /** A BOOL field's value: 1, 0, or -1 if the value is neither (true/false, 1/0, or their text). */
    private long boolValue() {
        switch (kind) {
            case TRUE -> {
                return 1;
            }
            case FALSE -> {
                return 0;
            }
            case INTEGER -> {
                // What the text rule answers for a number's text: only "1" and "0" ("-0" is neither).
                return number == 1 ? 1 : number == 0 && length == 1 ? 0 : -1;
            }
            case STRING -> {
                char[] a = chars();
                if (Chars.equals(a, charStart, length, "true") || Chars.equals(a, charStart, length, "1")) {
                    return 1;
                }
                if (Chars.equals(a, charStart, length, "false") || Chars.equals(a, charStart, length, "0")) {
                    return 0;
                }
                return -1;
            }
            default -> {
                return -1;
            }
        }
    }

    /** evt.time as a string: digits (ns since the epoch) or RFC 3339; NOT_A_NUMBER if neither. */
    private long timeFromText() {
        char[] a = chars();
        long v = Chars.parseLong(a, charStart, length);
        return v != Chars.NOT_A_NUMBER ? v : EventTime.parseRfc3339(a, charStart, length);
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

    /**
     * The last CAPS text of 8 to 18 bytes read from a line, as three words (at 0, min(8, n - 8) and
     * n - 8) and its length, with its mask: a process's capability sets repeat line after line (most
     * are a container's default), so most masks are found without reading 16 hex digits.
     */
    private long lastCapsStart;
    private long lastCapsMiddle;
    private long lastCapsEnd;
    private int lastCapsLength = -1;
    private long lastCaps;

    /** A CAPS string's mask: the common "0x" + hex digits read from the bytes, other forms by parseMask. */
    private long capsFromText() {
        byte[] b = line;
        if (!inLine || length < 8 || length > 18) {
            return capsFromHex();
        }
        long first = ByteScan.word(b, start);
        long middle = ByteScan.word(b, start + ByteScan.middleOfThreeWords(length));
        long last = ByteScan.word(b, start + length - 8);
        if (length == lastCapsLength && first == lastCapsStart && middle == lastCapsMiddle && last == lastCapsEnd) {
            return lastCaps;
        }
        long v = capsFromHex();
        lastCapsLength = length;
        lastCapsStart = first;
        lastCapsMiddle = middle;
        lastCapsEnd = last;
        lastCaps = v;
        return v;
    }

    private long capsFromHex() {
        byte[] b = line;
        if (inLine && length > 2 && length <= 18 && b[start] == '0' && (b[start + 1] == 'x' || b[start + 1] == 'X')) {
            int e = start + length;
            long v = 0;
            int i = start + 2;
            for (int d; i < e && (d = HEX[b[i]]) >= 0; i++) { // ASCII bytes: 0x00..0x7F
                v = v << 4 | d;
            }
            if (i == e) {
                return v; // what parseMask answers: no space to trim, then parseHex
            }
        }
        return Capabilities.parseMask(chars(), charStart, length);
    }

    /** An extra named {@code name} holding the current value. */
    private void extra(String name) {
        switch (kind) {
            case TRUE -> event.addExtra(name, TRUE_TEXT, 0, TRUE_TEXT.length, 1);
            case FALSE -> event.addExtra(name, FALSE_TEXT, 0, FALSE_TEXT.length, 0);
            case INTEGER -> {
                // Its canonical decimal text: the JSON text but for "-0".
                if (number == 0 && length == 2) {
                    event.addExtra(name, ZERO_TEXT, 0, 1, 0);
                } else {
                    addExtraText(name, number);
                }
            }
            case STRING -> addExtraText(name, textNumber());
            default -> addExtraText(name, Chars.NOT_A_NUMBER);
        }
    }

    /** {@link Chars#parseLong} of the current string, widened only when it may be a number. */
    private long textNumber() {
        if (inLine) {
            byte[] b = line;
            for (int i = start, e = i + length; i < e; i++) {
                if (!NUMERIC[b[i]]) {
                    return Chars.NOT_A_NUMBER; // what parseLong answers for a range with such a char
                }
            }
        }
        return Chars.parseLong(chars(), charStart, length);
    }

    private void setText(Field f) {
        if (inLine) {
            event.setTextUtf8(f, line, start, length);
        } else {
            char[] a = chars();
            event.setText(f, a, charStart, length);
        }
    }

    private void addExtraText(String name, long numeric) {
        if (inLine) {
            event.addExtraUtf8(name, line, start, length, numeric);
        } else {
            char[] a = chars();
            event.addExtra(name, a, charStart, length, numeric);
        }
    }

    /**
     * The current value's text as chars, from {@link #charStart} for {@link #length}: held so, or made
     * once (its bytes widened, its number formatted).
     */
    private char[] chars() {
        if (!textReady) {
            if (inLine) {
                char[] t = scratch;
                if (t.length < length) {
                    t = new char[Math.max(length, t.length * 2)];
                    scratch = t;
                }
                byte[] b = line;
                for (int i = 0, from = start; i < length; i++) {
                    t[i] = (char) b[from + i]; // ASCII: checked while scanning
                }
                chars = t;
            } else {
                length = Chars.format(number, digits);
                chars = digits;
            }
            charStart = 0;
            textReady = true;
        }
        return chars;
    }

    /**
     * The end of a line whose every key was read: the checks that need the whole line, and the
     * derived fields (evt.rawtime from evt.time or the receive time, evt.failed from evt.res). Marks
     * the slot valid and returns null, or returns why the line is rejected.
     */
    RejectReason finish(long receiveEpochNanos) {
        Event e = event;
        if (!e.has(Field.EVT_TYPE)) {
            return RejectReason.MISSING_TYPE;
        }
        if (resUnresolved && !resFromRaw) {
            return RejectReason.WRONG_TYPE;
        }
        if (!e.has(Field.EVT_RAWTIME)) {
            e.setLong(Field.EVT_RAWTIME, evtTime != Long.MIN_VALUE ? evtTime : receiveEpochNanos);
        }
        if (!e.has(Field.EVT_FAILED) && e.has(Field.EVT_RES)) {
            e.setBool(Field.EVT_FAILED, e.getLong(Field.EVT_RES) < 0);
        }
        e.setValid(true);
        return null;
    }
}
