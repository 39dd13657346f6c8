package dev.vigil.alert;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.util.BufferRecycler;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The alert as Falco writes it in JSON (DESIGN.md, Alerts out): one object on one line, keys in
 * Falco's order {@code uuid, time, rule, priority, source, tags, hostname, output, output_fields};
 * {@code time} is RFC 3339 in UTC with nine fraction digits. {@link #read} is the inverse (the spool
 * stores this form). Every control character ({@link ControlCharacters}) is written as a <code>&#92;u</code>
 * escape: Jackson escapes C0 by itself, not DEL, C1 (NEL U+0085), U+2028/U+2029 or the bidirectional
 * controls, which JSON allows raw but line-based readers, JavaScript before ES2019 and terminals do not.
 * Thread-safe (Jackson's factory is).
 */
public final class AlertJson {
    private final JsonFactory factory = new JsonFactoryBuilder().characterEscapes(new Escapes()).build();

    /** <code>&#92;uXXXX</code> for every {@link ControlCharacters control character} Jackson leaves raw. */
    private static final class Escapes extends CharacterEscapes {
        private final int[] ascii = standardAsciiEscapesForJSON();

        Escapes() {
            ascii[0x7F] = ESCAPE_STANDARD;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            if (!ControlCharacters.isControl(ch)) {
                return null;
            }
            String hex = Integer.toHexString(0x10000 | ch);
            return new SerializedString("\\u" + hex.substring(hex.length() - 4));
        }
    }

    /** UTF-8 bytes of the alert's JSON, without a trailing newline. */
    public byte[] write(Alert a) {
        // Jackson's recycled segments, as ObjectMapper.writeValueAsBytes does: no growing array to copy.
        BufferRecycler recycler = factory._getBufferRecycler();
        try (ByteArrayBuilder out = new ByteArrayBuilder(recycler)) {
            writeTo(out, a);
            byte[] bytes = out.toByteArray();
            out.release();
            return bytes;
        } finally {
            recycler.releaseToPool();
        }
    }

    private void writeTo(ByteArrayBuilder out, Alert a) {
        try (JsonGenerator g = factory.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("uuid", a.uuid());
            g.writeStringField("time", formatTime(a.timeNanos()));
            g.writeStringField("rule", a.rule());
            g.writeStringField("priority", a.priority().display());
            g.writeStringField("source", a.source());
            g.writeArrayFieldStart("tags");
            if (a.tags() != null) {
                for (String t : a.tags()) {
                    g.writeString(t);
                }
            }
            g.writeEndArray();
            g.writeStringField("hostname", a.hostname());
            g.writeStringField("output", a.output());
            g.writeObjectFieldStart("output_fields");
            if (a.outputFields() != null) {
                for (Map.Entry<String, Object> e : a.outputFields().entrySet()) {
                    g.writeFieldName(e.getKey());
                    writeValue(g, e.getValue());
                }
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String writeString(Alert a) {
        return new String(write(a), StandardCharsets.UTF_8);
    }

    private static void writeValue(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof Long l) {
            g.writeNumber(l);
        } else if (v instanceof Integer i) {
            g.writeNumber(i);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Double d && Double.isFinite(d)) {
            g.writeNumber(d);
        } else {
            g.writeString(v.toString());
        }
    }

    /** {@code 2026-11-22T12:00:00.123456789Z}: always nine fraction digits, as Falco writes it. */
    public static String formatTime(long timeNanos) {
        long sec = Math.floorDiv(timeNanos, 1_000_000_000L);
        int nano = (int) Math.floorMod(timeNanos, 1_000_000_000L);
        // Any long of nanoseconds is in the years 1677..2262: always four digits.
        LocalDateTime t = LocalDateTime.ofEpochSecond(sec, 0, ZoneOffset.UTC);
        byte[] b = new byte[30];
        digits(b, 0, t.getYear(), 4);
        b[4] = '-';
        digits(b, 5, t.getMonthValue(), 2);
        b[7] = '-';
        digits(b, 8, t.getDayOfMonth(), 2);
        b[10] = 'T';
        digits(b, 11, t.getHour(), 2);
        b[13] = ':';
        digits(b, 14, t.getMinute(), 2);
        b[16] = ':';
        digits(b, 17, t.getSecond(), 2);
        b[19] = '.';
        digits(b, 20, nano, 9);
        b[29] = 'Z';
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** {@code v} (non-negative) as exactly {@code width} decimal digits at {@code b[at]}, zero-padded. */
    private static void digits(byte[] b, int at, int v, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            b[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
    }

    /** Parses what {@link #write} wrote (or Falco's JSON alert). Integers become Long. */
    public Alert read(byte[] json) {
        try (JsonParser p = factory.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("alert JSON is not an object");
            }
            String uuid = null;
            long time = 0;
            String rule = null;
            Priority priority = Priority.DEBUG;
            String source = null;
            List<String> tags = new ArrayList<>();
            String hostname = null;
            String output = null;
            Map<String, Object> fields = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                switch (name) {
                    case "uuid" -> uuid = p.getValueAsString();
                    case "time" -> {
                        Instant i = Instant.parse(p.getText());
                        time = i.getEpochSecond() * 1_000_000_000L + i.getNano();
                    }
                    case "rule" -> rule = p.getValueAsString();
                    case "priority" -> priority = Priority.parse(p.getText());
                    case "source" -> source = p.getValueAsString();
                    case "hostname" -> hostname = p.getValueAsString();
                    case "output" -> output = p.getValueAsString();
                    case "tags" -> {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            tags.add(p.getText());
                        }
                    }
                    case "output_fields" -> {
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String k = p.currentName();
                            fields.put(k, readScalar(p, p.nextToken()));
                        }
                    }
                    default -> {
                        if (t.isStructStart()) {
                            p.skipChildren();
                        }
                    }
                }
            }
            return new Alert(uuid, time, rule, priority, source, List.copyOf(tags), hostname, output, fields);
        } catch (IOException e) {
            throw new IllegalArgumentException("not an alert: " + e.getMessage(), e);
        }
    }

    private static Object readScalar(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_NUMBER_INT -> p.getLongValue();
            case VALUE_NUMBER_FLOAT -> p.getDoubleValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            case VALUE_NULL -> null;
            case START_OBJECT, START_ARRAY -> {
                p.skipChildren();
                yield null;
            }
            default -> p.getText();
        };
    }

}
