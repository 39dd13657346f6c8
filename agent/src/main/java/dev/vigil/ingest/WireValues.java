package dev.vigil.ingest;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Errno;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.event.SocketNames;

/**
 * The wire contract's value rules that do not depend on how a line is scanned, shared by both
 * decoders ({@link FlatLineDecoder} and {@link JacksonEventDecoder}) so that each rule is written
 * once. Static and allocation-free; the JIT inlines them into either decoder's loop.
 */
final class WireValues {
    private WireValues() {
    }

    /**
     * A LONG field's value from a string: its digits, else for some fields a name (an errno, a socket
     * family or type, a capability). {@link Chars#NOT_A_NUMBER} if neither.
     */
    static long longFromText(Field f, char[] a, int off, int len) {
        long v = Chars.parseLong(a, off, len);
        if (v != Chars.NOT_A_NUMBER) {
            return v;
        }
        return switch (f) {
            case EVT_RES -> Errno.value(a, off, len);
            case EVT_ARG_DOMAIN -> SocketNames.family(a, off, len);
            case EVT_ARG_TYPE -> SocketNames.type(a, off, len);
            case EVT_ARG_CAP -> Capabilities.number(a, off, len);
            default -> Chars.NOT_A_NUMBER;
        };
    }

    /** A BOOL field's value from a string or a number's text: 1, 0, or -1 if it is neither. */
    static long boolFromText(char[] a, int off, int len) {
        if (Chars.equals(a, off, len, "true") || Chars.equals(a, off, len, "1")) {
            return 1;
        }
        if (Chars.equals(a, off, len, "false") || Chars.equals(a, off, len, "0")) {
            return 0;
        }
        return -1;
    }

    /** evt.time as a string: digits (ns since the epoch) or RFC 3339; NOT_A_NUMBER if neither. */
    static long timeFromText(char[] a, int off, int len) {
        long v = Chars.parseLong(a, off, len);
        return v != Chars.NOT_A_NUMBER ? v : EventTime.parseRfc3339(a, off, len);
    }

    /**
     * Argument names that other syscalls use for other things than a socket's or a capability
     * check's (mount's evt.arg.type is the file system, "tmpfs"): a name that does not resolve is
     * then kept as text, as any other argument.
     */
    static boolean isSharedArgumentName(Field f) {
        return f == Field.EVT_ARG_TYPE || f == Field.EVT_ARG_DOMAIN || f == Field.EVT_ARG_PROTO || f == Field.EVT_ARG_CAP;
    }

    /** The value stored for a LONG field: SOCK_CLOEXEC/SOCK_NONBLOCK masked off a socket type. */
    static long stored(Field f, long v) {
        return f == Field.EVT_ARG_TYPE ? v & SocketNames.SOCK_TYPE_MASK : v;
    }

    /**
     * The end of a line whose every key was read: the checks that need the whole line, and the
     * derived fields (evt.rawtime from evt.time or the receive time, evt.failed from evt.res). Marks
     * the slot valid and returns null, or returns why the line is rejected.
     *
     * @param resUnresolved evt.res was a name this agent does not know
     * @param resFromRaw    evt.rawres was there (it wins over evt.res)
     * @param evtTime       evt.time's value, or {@code Long.MIN_VALUE} if absent
     */
    static RejectReason finish(Event event, boolean resUnresolved, boolean resFromRaw, long evtTime,
                               long receiveEpochNanos) {
        if (!event.has(Field.EVT_TYPE)) {
            return RejectReason.MISSING_TYPE;
        }
        if (resUnresolved && !resFromRaw) {
            return RejectReason.WRONG_TYPE;
        }
        if (!event.has(Field.EVT_RAWTIME)) {
            event.setLong(Field.EVT_RAWTIME, evtTime != Long.MIN_VALUE ? evtTime : receiveEpochNanos);
        }
        if (!event.has(Field.EVT_FAILED) && event.has(Field.EVT_RES)) {
            event.setBool(Field.EVT_FAILED, event.getLong(Field.EVT_RES) < 0);
        }
        event.setValid(true);
        return null;
    }
}
