package dev.vigil.ingest;

/** Why a received line was not processed. Each value has its own counter. */
public enum RejectReason {
    /** Not parsable as JSON (syntax error, truncated, trailing data after the object). */
    NOT_JSON("not_json"),
    /** Valid JSON, but not an object (an array, a string, a number…). */
    NOT_OBJECT("not_object"),
    /** An object without {@code evt.type}. */
    MISSING_TYPE("missing_type"),
    /** A known key with a value of the wrong type or form ({@code "proc.pid":"abc"}). */
    WRONG_TYPE("wrong_type"),
    /** Longer than the maximum line length. */
    TOO_LONG("too_long"),
    /** Bytes that are not UTF-8. */
    INVALID_UTF8("invalid_utf8"),
    /** Objects or arrays nested deeper than allowed. */
    TOO_DEEP("too_deep");

    private final String label;

    RejectReason(String label) {
        this.label = label;
    }

    /** The {@code reason} label value. */
    public String label() {
        return label;
    }
}
