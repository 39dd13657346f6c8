package dev.vigil.testing;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

/** Builds events as the decoder would leave them, for stage tests. */
public final class TestEvents {
    private static final java.util.Map<String, Integer> TYPE_IDS = new java.util.concurrent.ConcurrentHashMap<>();

    private TestEvents() {
    }

    /** A thin event: only evt.type, proc.pid (and evt.rawtime, which the decoder always sets). */
    public static Event thin(Event ev, String type, int pid) {
        ev.clear();
        ev.setValid(true);
        ev.setText(Field.EVT_TYPE, type);
        ev.setEventType(TYPE_IDS.computeIfAbsent(type, EventTypes::id)); // no allocation once seen
        ev.setLong(Field.EVT_RAWTIME, 1_795_000_000_000_000_000L);
        ev.setLong(Field.PROC_PID, pid);
        return ev;
    }

    public static Event thin(String type, int pid) {
        return thin(new Event(), type, pid);
    }

    /** A successful call: evt.res (e.g. the child's pid for clone) and evt.failed=false. */
    public static Event withRes(Event ev, long res) {
        ev.setLong(Field.EVT_RES, res);
        ev.setBool(Field.EVT_FAILED, res < 0);
        return ev;
    }
}
