package dev.vigil.ingest;

import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.event.FieldKind;
import java.util.Arrays;

/** Compares two decoders' outcomes for one line: reject reason, validity and, for a valid event, every value. */
final class SlotDiff {
    private SlotDiff() {
    }

    /** The first difference, or null when both outcomes are the same. */
    static String firstDifference(RejectReason expectedReason, Event expected, RejectReason actualReason, Event actual) {
        if (expectedReason != actualReason) {
            return "reason: expected " + expectedReason + ", got " + actualReason;
        }
        if (expected.isValid() != actual.isValid()) {
            return "valid: expected " + expected.isValid() + ", got " + actual.isValid();
        }
        if (expectedReason != null) {
            return null; // a rejected line's slot content is undefined
        }
        if (expected.eventType() != actual.eventType()) {
            return "eventType: expected " + expected.eventType() + ", got " + actual.eventType();
        }
        for (Field f : Field.values()) {
            if (expected.has(f) != actual.has(f)) {
                return f.wireName() + " present: expected " + expected.has(f) + ", got " + actual.has(f);
            }
            if (!expected.has(f)) {
                continue;
            }
            if (f.kind() == FieldKind.STRING) {
                String e = expected.string(f);
                String a = actual.string(f);
                if (!e.equals(a)) {
                    return f.wireName() + ": expected \"" + e + "\", got \"" + a + "\"";
                }
            } else if (expected.getLong(f) != actual.getLong(f)) {
                return f.wireName() + ": expected " + expected.getLong(f) + ", got " + actual.getLong(f);
            }
        }
        if (expected.extraCount() != actual.extraCount()) {
            return "extras: expected " + expected.extraCount() + ", got " + actual.extraCount();
        }
        for (int i = 0; i < expected.extraCount(); i++) {
            if (!expected.extraName(i).equals(actual.extraName(i))) {
                return "extra " + i + " name: expected " + expected.extraName(i) + ", got " + actual.extraName(i);
            }
            byte[] e = Arrays.copyOfRange(expected.text(), expected.extraStart(i), expected.extraStart(i) + expected.extraLength(i));
            byte[] a = Arrays.copyOfRange(actual.text(), actual.extraStart(i), actual.extraStart(i) + actual.extraLength(i));
            if (!Arrays.equals(e, a)) {
                return "extra " + expected.extraName(i) + " text: expected \"" + expected.extraString(i) + "\", got \""
                    + actual.extraString(i) + "\"";
            }
            if (expected.extraLong(i) != actual.extraLong(i)) {
                return "extra " + expected.extraName(i) + " long: expected " + expected.extraLong(i) + ", got " + actual.extraLong(i);
            }
        }
        return null;
    }
}
