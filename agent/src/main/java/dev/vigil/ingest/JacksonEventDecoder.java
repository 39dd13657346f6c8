package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Decodes one JSON line into an {@link Event} slot, in place, whatever its form: the general decoder,
 * which {@link EventDecoder} falls back on for the lines its byte-level fast path does not take.
 *
 * <p>One non-blocking Jackson parser per connection is fed line after line: field names come back
 * as the parser's interned Strings (a map lookup resolves them to {@link Field}s) and values as
 * char ranges copied into the slot, so a valid line allocates nothing. A bad line yields a
 * {@link RejectReason}; the parser, whose state is then unknown, is replaced (the only allocation,
 * paid by bad lines). The parser is also replaced after many unknown keys, which bounds its symbol
 * table against a producer that invents key names.
 *
 * <p>Threading: one connection, one thread; not thread-safe.
 */
public final class JacksonEventDecoder {
    /** Unknown keys seen before the parser (and its symbol table) is replaced. */
    static final int UNKNOWN_KEYS_PER_PARSER = 16_384;

    private static final JsonFactory FACTORY = JsonFactory.builder()
        .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
            .maxNestingDepth(64).build())
        .build();

    private static final byte[] PRIMER = {' '};
    private static final char[] TRUE = "true".toCharArray();
    private static final char[] FALSE = "false".toCharArray();

    // Key codes: a Field's id (>= 0), one of the wire keys that feed a field, or unknown.
    private static final int KEY_EVT_TIME = -1;
    private static final int KEY_EVT_RAWRES = -2;
    private static final int KEY_UNKNOWN = -3;
    private static final Map<String, Integer> SPECIAL_KEYS = Map.of("evt.time", KEY_EVT_TIME,
        "evt.rawres", KEY_EVT_RAWRES);

    /**
     * Key names to codes, by identity: the parser hands out the same interned String for the same
     * name, so after the first line a lookup is one identity hash probe. Cleared with the parser,
     * whose symbol table bounds it.
     */
    private final IdentityHashMap<String, Integer> keyCodes = new IdentityHashMap<>();
    /**
     * The key seen last at each position of a line, and its code: a producer writes its keys in the
     * same order line after line, so most lookups are one identity compare. A miss falls back to
     * {@link #keyCodes} (profiled: the map probe per key was ~15 % of a line's decoding).
     */
    private final String[] positionNames = new String[POSITIONS];
    private final int[] positionCodes = new int[POSITIONS];
    private static final int POSITIONS = 64;

    private final int maxDepth;
    private JsonParser parser;
    private ByteArrayFeeder feeder;
    private int unknownKeys;
    // Per-line scratch.
    private final char[] digits = new char[20];
    private boolean resFromRaw;
    private boolean resUnresolved;
    private long evtTime;

    public JacksonEventDecoder() {
        this(EventDecoder.DEFAULT_MAX_DEPTH);
    }

    public JacksonEventDecoder(int maxDepth) {
        this.maxDepth = maxDepth;
        newParser();
    }

    /**
     * Decodes {@code buf[off .. off+len)}, a line ending in its newline, into {@code event}.
     *
     * @param receiveEpochNanos event time to use when the line carries none
     * @return null when the event is valid, else why it was rejected (the slot's content is then undefined)
     */
    public RejectReason decode(byte[] buf, int off, int len, Event event, long receiveEpochNanos) {
        event.clear();
        resFromRaw = false;
        resUnresolved = false;
        evtTime = Long.MIN_VALUE;
        RejectReason reason;
        try {
            feeder.feedInput(buf, off, off + len);
            reason = readObject(event);
        } catch (StreamConstraintsException e) {
            reason = RejectReason.TOO_DEEP;
        } catch (JsonParseException e) {
            String m = e.getOriginalMessage();
            reason = m != null && m.contains("UTF-8") ? RejectReason.INVALID_UTF8 : RejectReason.NOT_JSON;
        } catch (IOException e) {
            reason = RejectReason.NOT_JSON;
        }
        if (reason != null) {
            newParser();
            return reason;
        }
        return finish(event, receiveEpochNanos);
    }

    private RejectReason readObject(Event event) throws IOException {
        JsonParser p = parser;
        JsonToken t = p.nextToken();
        if (t == JsonToken.NOT_AVAILABLE) {
            return RejectReason.NOT_JSON; // only whitespace
        }
        if (t != JsonToken.START_OBJECT) {
            return t == JsonToken.START_ARRAY || t.isScalarValue() ? RejectReason.NOT_OBJECT : RejectReason.NOT_JSON;
        }
        for (int position = 0; ; position++) {
            t = p.nextToken();
            if (t == JsonToken.END_OBJECT) {
                break;
            }
            if (t != JsonToken.FIELD_NAME) {
                return RejectReason.NOT_JSON; // NOT_AVAILABLE: the line ended inside the object
            }
            String name = p.currentName();
            t = p.nextToken();
            if (t == JsonToken.NOT_AVAILABLE) {
                return RejectReason.NOT_JSON;
            }
            RejectReason r = readValue(name, position, t, event);
            if (r != null) {
                return r;
            }
        }
        // Only whitespace may follow the object on its line.
        return p.nextToken() == JsonToken.NOT_AVAILABLE ? null : RejectReason.NOT_JSON;
    }

    private RejectReason readValue(String name, int position, JsonToken t, Event event) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return null; // null means "not available", as sysdig writes it
        }
        int code;
        if (position < POSITIONS && positionNames[position] == name) {
            code = positionCodes[position];
        } else {
            code = keyCode(name);
            if (position < POSITIONS) {
                positionNames[position] = name;
                positionCodes[position] = code;
            }
        }
        if (code >= 0) {
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                return RejectReason.WRONG_TYPE;
            }
            return readKnown(Field.byId(code), t, event);
        }
        if (code != KEY_UNKNOWN) {
            return readSpecial(code, t, event);
        }
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            return skipNested();
        }
        if (++unknownKeys > UNKNOWN_KEYS_PER_PARSER) {
            unknownKeys = 0;
            replaceParserAfterLine = true;
        }
        return readExtra(name, t, event);
    }

    private boolean replaceParserAfterLine;

    private int keyCode(String name) {
        Integer c = keyCodes.get(name);
        if (c == null) {
            Field f = Field.byName(name);
            Integer special = SPECIAL_KEYS.get(name);
            c = f != null ? f.id() : special != null ? special : KEY_UNKNOWN;
            keyCodes.put(name, c);
        }
        return c;
    }

    private RejectReason readKnown(Field f, JsonToken t, Event event) throws IOException {
        JsonParser p = parser;
        switch (f.kind()) {
            case STRING -> {
                // A number is taken as its text (an id sent as 123), except for evt.type.
                if (t != JsonToken.VALUE_STRING && (!t.isNumeric() || f == Field.EVT_TYPE)) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setText(f, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                if (f == Field.EVT_TYPE) {
                    event.setEventType(EventTypes.id(p.getTextCharacters(), p.getTextOffset(), p.getTextLength()));
                }
                return null;
            }
            case BOOL -> {
                long v = boolValue(t);
                if (v < 0) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(f, v);
                return null;
            }
            case CAPS -> {
                long v;
                if (t == JsonToken.VALUE_STRING) {
                    v = Capabilities.parseMask(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                } else if (t == JsonToken.VALUE_NUMBER_INT) {
                    v = intValue();
                } else {
                    return RejectReason.WRONG_TYPE;
                }
                if (v == Chars.NOT_A_NUMBER) {
                    return RejectReason.WRONG_TYPE;
                }
                event.setLong(f, v);
                return null;
            }
            default -> {
                long v = longValue(f, t);
                if (v == Chars.NOT_A_NUMBER) {
                    if (f == Field.EVT_RES && t == JsonToken.VALUE_STRING) {
                        resUnresolved = true; // an errno name we lack: fine if evt.rawres is there too
                        return null;
                    }
                    if (t == JsonToken.VALUE_STRING && WireValues.isSharedArgumentName(f)) {
                        return readExtra(f.wireName(), t, event); // another syscall's argument of that name: text
                    }
                    return RejectReason.WRONG_TYPE;
                }
                if (f == Field.EVT_RES && resFromRaw) {
                    return null; // evt.rawres wins
                }
                event.setLong(f, WireValues.stored(f, v));
                return null;
            }
        }
    }

    /** A LONG field's value from a number, a numeric string or, for some fields, a name. */
    private long longValue(Field f, JsonToken t) throws IOException {
        JsonParser p = parser;
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_STRING) {
            return Chars.NOT_A_NUMBER;
        }
        if (t == JsonToken.VALUE_NUMBER_INT) {
            return intValue();
        }
        return WireValues.longFromText(f, p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    /**
     * The current integer token's value, or NOT_A_NUMBER beyond 64 bits. Through the parser's own
     * number parsing: its text for a lone "0" is built as a new array on every call.
     */
    private long intValue() throws IOException {
        if (parser.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            return Chars.NOT_A_NUMBER;
        }
        return parser.getLongValue();
    }

    private long boolValue(JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) {
            return 1;
        }
        if (t == JsonToken.VALUE_FALSE) {
            return 0;
        }
        if (t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT) {
            JsonParser p = parser;
            return WireValues.boolFromText(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
        return -1;
    }

    private RejectReason readSpecial(int key, JsonToken t, Event event) throws IOException {
        JsonParser p = parser;
        if (key == KEY_EVT_RAWRES) {
            long v = t == JsonToken.VALUE_NUMBER_INT ? intValue()
                : t == JsonToken.VALUE_STRING ? Chars.parseLong(p.getTextCharacters(), p.getTextOffset(), p.getTextLength())
                : Chars.NOT_A_NUMBER;
            if (v == Chars.NOT_A_NUMBER) {
                return RejectReason.WRONG_TYPE;
            }
            event.setLong(Field.EVT_RES, v);
            resFromRaw = true;
            return null;
        }
        // evt.time: integer ns, or an RFC 3339 string (or a string of digits).
        long v;
        if (t == JsonToken.VALUE_NUMBER_INT) {
            v = intValue();
        } else if (t == JsonToken.VALUE_STRING) {
            v = WireValues.timeFromText(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        } else {
            v = Chars.NOT_A_NUMBER;
        }
        if (v == Chars.NOT_A_NUMBER) {
            return RejectReason.WRONG_TYPE;
        }
        evtTime = v;
        return null;
    }

    private RejectReason readExtra(String name, JsonToken t, Event event) throws IOException {
        JsonParser p = parser;
        if (t == JsonToken.VALUE_TRUE) {
            event.addExtra(name, TRUE, 0, TRUE.length, 1);
        } else if (t == JsonToken.VALUE_FALSE) {
            event.addExtra(name, FALSE, 0, FALSE.length, 0);
        } else if (t == JsonToken.VALUE_NUMBER_INT) {
            long v = intValue();
            if (v == Chars.NOT_A_NUMBER) {
                // Beyond 64 bits: kept as text.
                event.addExtra(name, p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), v);
            } else {
                int len = Chars.format(v, digits);
                event.addExtra(name, digits, 0, len, v);
            }
        } else {
            char[] a = p.getTextCharacters();
            int off = p.getTextOffset();
            int len = p.getTextLength();
            long numeric = t == JsonToken.VALUE_NUMBER_FLOAT ? Chars.NOT_A_NUMBER : Chars.parseLong(a, off, len);
            event.addExtra(name, a, off, len, numeric);
        }
        return null;
    }

    /** Skips a nested object or array under an unknown key, bounded by the depth limit. */
    private RejectReason skipNested() throws IOException {
        int depth = 2; // the event object, then this value
        while (depth > 1) {
            if (depth > maxDepth) {
                return RejectReason.TOO_DEEP;
            }
            JsonToken t = parser.nextToken();
            if (t == JsonToken.NOT_AVAILABLE) {
                return RejectReason.NOT_JSON;
            }
            if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                depth++;
            } else if (t == JsonToken.END_OBJECT || t == JsonToken.END_ARRAY) {
                depth--;
            }
        }
        return null;
    }

    private RejectReason finish(Event event, long receiveEpochNanos) {
        if (replaceParserAfterLine) {
            replaceParserAfterLine = false;
            newParser();
        }
        return WireValues.finish(event, resUnresolved, resFromRaw, evtTime, receiveEpochNanos);
    }

    private void newParser() {
        try {
            if (parser != null) {
                parser.close();
            }
            parser = FACTORY.createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a JSON parser", e);
        }
        feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        // A new parser accepts a UTF-8 byte order mark before its first token, and only there: fed one
        // space first, it treats a BOM the same on every line (not JSON), whatever lines came before.
        try {
            feeder.feedInput(PRIMER, 0, PRIMER.length);
            parser.nextToken();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prime a JSON parser", e);
        }
        unknownKeys = 0;
        keyCodes.clear();
        Arrays.fill(positionNames, null);
    }

}
