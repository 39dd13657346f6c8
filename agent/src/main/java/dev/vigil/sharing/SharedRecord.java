package dev.vigil.sharing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * One record of the shared-baselines topic: a learned tuple, or the cluster's learning period start.
 * The value is JSON ({@code "v":1}); the key makes compaction keep one record per (rule, scope, tuple),
 * and one period start: a tuple's key is the JSON array {@code ["rule","scope","tuple"]}, the period's
 * {@code window}. {@link #decode} refuses a record whose key is not the one its value gives, so no
 * record can stand for another's key.
 */
public sealed interface SharedRecord {
    /** Larger than any real record (a tuple is a few key fields); a larger one is refused, not read. */
    int MAX_VALUE_BYTES = 16 * 1024;
    String WINDOW_KEY = "window";
    int VERSION = 1;

    String key();

    String node();

    /**
     * A tuple a node learned: in the cluster's learning period ({@code alerted} false) or after it
     * fired on it ({@code alerted} true). Nothing else is ever published: a silent "allow" never enters.
     */
    record Tuple(String rule, String scope, String tuple, String node, long atNanos, boolean alerted)
        implements SharedRecord {
        @Override
        public String key() {
            ArrayNode a = Codec.JSON.createArrayNode().add(rule).add(scope).add(tuple);
            return a.toString();
        }
    }

    /** When the cluster's learning period began (epoch ns), as the first agent of the cluster saw it. */
    record Window(long startNanos, String node) implements SharedRecord {
        @Override
        public String key() {
            return WINDOW_KEY;
        }
    }

    /** Why a record read from the topic was refused (counted by the follower). */
    enum Reject { too_large, not_json, bad_record, key_mismatch }

    /** A refused record: why. */
    final class RejectedException extends IOException {
        final Reject reason;

        RejectedException(Reject reason, String message) {
            super(message);
            this.reason = reason;
        }
    }

    /** The JSON value. */
    static byte[] encode(SharedRecord r) {
        ObjectNode o = Codec.JSON.createObjectNode();
        o.put("v", VERSION);
        if (r instanceof Tuple t) {
            o.put("kind", "tuple");
            o.put("rule", t.rule());
            o.put("scope", t.scope());
            o.put("tuple", t.tuple());
            o.put("node", t.node());
            o.put("at", t.atNanos());
            o.put("how", t.alerted() ? "alerted" : "window");
        } else if (r instanceof Window w) {
            o.put("kind", "window");
            o.put("start", w.startNanos());
            o.put("node", w.node());
        }
        try {
            return Codec.JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e); // a tree of strings and numbers always writes
        }
    }

    /** Reads a record; throws {@link RejectedException} (with the reason) for anything not a valid record. */
    static SharedRecord decode(String key, byte[] value) throws RejectedException {
        if (value == null || key == null) {
            throw new RejectedException(Reject.bad_record, "no key or no value");
        }
        SharedRecord r = parse(value);
        if (!r.key().equals(key)) {
            throw new RejectedException(Reject.key_mismatch, "the key is not the record's");
        }
        return r;
    }

    /** Reads a record's value alone (a spooled one: its key is the one it gives). */
    static SharedRecord parse(byte[] value) throws RejectedException {
        if (value.length > MAX_VALUE_BYTES) {
            throw new RejectedException(Reject.too_large, value.length + " bytes");
        }
        JsonNode o;
        try {
            o = Codec.JSON.readTree(value);
        } catch (IOException e) {
            throw new RejectedException(Reject.not_json, "not JSON");
        }
        if (o == null || !o.isObject() || o.path("v").asInt(-1) != VERSION || !o.path("node").isTextual()) {
            throw new RejectedException(Reject.bad_record, "not a version " + VERSION + " record with a node");
        }
        SharedRecord r;
        switch (o.path("kind").asText()) {
            case "tuple" -> {
                String how = o.path("how").asText();
                if (!o.path("rule").isTextual() || !o.path("scope").isTextual() || !o.path("tuple").isTextual()
                    || !o.path("at").canConvertToLong() || !(how.equals("window") || how.equals("alerted"))) {
                    throw new RejectedException(Reject.bad_record, "a tuple needs rule, scope, tuple, at and how");
                }
                r = new Tuple(o.path("rule").asText(), o.path("scope").asText(), o.path("tuple").asText(),
                    o.path("node").asText(), o.path("at").asLong(), how.equals("alerted"));
            }
            case "window" -> {
                if (!o.path("start").canConvertToLong()) {
                    throw new RejectedException(Reject.bad_record, "a window needs start");
                }
                r = new Window(o.path("start").asLong(), o.path("node").asText());
            }
            default -> throw new RejectedException(Reject.bad_record, "unknown kind");
        }
        return r;
    }

    /** The shared mapper (thread-safe once configured). */
    final class Codec {
        static final ObjectMapper JSON = new ObjectMapper();

        private Codec() {
        }
    }
}
