package dev.vigil.state;

import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.event.Utf8;

/**
 * The UTF-8 bytes of the Strings the tables write into events (a process's name, its container's image),
 * remembered: the same String (or an equal one: a process named as its container) comes back event after
 * event, and copying its bytes into the slot costs less than encoding its chars every time. Direct-mapped
 * on the String's hash, found by identity or else by equality; a text met for the first time (or again
 * after another took its place) is encoded once, which allocates.
 *
 * <p>Threading: one thread (the pipeline's).
 */
final class Utf8Memo {
    private final String[] strings;
    private final byte[][] bytes;
    private final int mask;

    Utf8Memo(int capacity) {
        int size = Integer.highestOneBit(Math.max(2, capacity) - 1) << 1;
        strings = new String[size];
        bytes = new byte[size][];
        mask = size - 1;
    }

    /** Sets the field to the String's text. */
    void setText(Event ev, Field f, String s) {
        int i = (s.hashCode() * 0x9E3779B1 >>> 16) & mask;
        String held = strings[i];
        byte[] b = bytes[i];
        if (held != s && (held == null || !held.equals(s))) { // equal texts of two Strings share an entry
            b = Utf8.bytes(s);
            strings[i] = s;
            bytes[i] = b;
        }
        ev.setTextUtf8(f, b, 0, b.length);
    }
}
