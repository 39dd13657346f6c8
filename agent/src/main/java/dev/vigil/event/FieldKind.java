package dev.vigil.event;

/** How a known field's value is held in an {@link Event}. */
public enum FieldKind {
    /** Characters in the event's text arena. */
    STRING,
    /** A signed 64-bit integer. */
    LONG,
    /** true or false, held as 1 or 0. */
    BOOL,
    /** A 64-bit capability mask (bit n = capability n), whatever form it arrived in. */
    CAPS
}
