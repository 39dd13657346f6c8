package dev.vigil.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.IdentityHashMap;

/**
 * Decodes one JSON line into an {@link Event} slot, in place, whatever its form: the general decoder,
 * which {@link EventDecoder} falls back on for the lines its byte-level fast path does not take.
 *
 * <p>One non-blocking Jackson parser per connection is fed line after line: field names come back
 * as the parser's interned Strings (a map lookup resolves them to key codes) and values as char ranges
 * or numbers, which the {@link SlotWriter} that the fast path uses too writes into the slot, so a
 * valid line allocates nothing. A bad line yields a
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
    private final SlotWriter writer = new SlotWriter();

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
        writer.begin(event);
        RejectReason reason;
        try {
            feeder.feedInput(buf, off, off + len);
            reason = readObject();
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
        if (replaceParserAfterLine) {
            replaceParserAfterLine = false;
            newParser();
        }
        return writer.finish(receiveEpochNanos);
    }

    private RejectReason readObject() throws IOException {
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
            RejectReason r = readValue(name, position, t);
            if (r != null) {
                return r;
            }
        }
        // Only whitespace may follow the object on its line.
        return p.nextToken() == JsonToken.NOT_AVAILABLE ? null : RejectReason.NOT_JSON;
    }

    private RejectReason readValue(String name, int position, JsonToken t) throws IOException {
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
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            // No key of the contract takes a nested value; under any other key it is skipped.
            return code == SlotWriter.UNKNOWN ? skipNested() : RejectReason.WRONG_TYPE;
        }
        if (code == SlotWriter.UNKNOWN && ++unknownKeys > UNKNOWN_KEYS_PER_PARSER) {
            unknownKeys = 0;
            replaceParserAfterLine = true;
        }
        scalar(t);
        return writer.put(code, name);
    }

    private boolean replaceParserAfterLine;

    private int keyCode(String name) {
        Integer c = keyCodes.get(name);
        if (c == null) {
            c = SlotWriter.keyCode(name);
            keyCodes.put(name, c);
        }
        return c;
    }

    /** Hands the current scalar token to the writer. */
    private void scalar(JsonToken t) throws IOException {
        JsonParser p = parser;
        switch (t) {
            case VALUE_TRUE -> writer.bool(true);
            case VALUE_FALSE -> writer.bool(false);
            case VALUE_NUMBER_INT -> {
                // Through the parser's own number parsing, not its text: the text of a lone "0" is
                // built as a new array on every call. Beyond 64 bits (or Long.MIN_VALUE): its text.
                long v = p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? Chars.NOT_A_NUMBER : p.getLongValue();
                if (v == Chars.NOT_A_NUMBER) {
                    writer.numberText(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
                } else {
                    writer.integer(v, v == 0 && p.getTextLength() == 2);
                }
            }
            case VALUE_NUMBER_FLOAT -> writer.numberText(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
            default -> writer.string(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        }
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
