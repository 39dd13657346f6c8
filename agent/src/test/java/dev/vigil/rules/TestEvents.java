package dev.vigil.rules;

import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

/** Builds events with Event's setters, as the decoder would fill them. */
final class TestEvents {
    private TestEvents() {
    }

    /** {@code event("execve", "proc.name", "bash", "proc.pid", 42L, "fd.name", "/etc", …)}. */
    static Event event(String type, Object... kv) {
        Event e = new Event();
        e.clear();
        e.setValid(true);
        e.setEventType(EventTypes.id(type));
        e.setText(Field.EVT_TYPE, type);
        for (int i = 0; i < kv.length; i += 2) {
            set(e, (String) kv[i], kv[i + 1]);
        }
        return e;
    }

    static void set(Event e, String name, Object v) {
        Field f = Field.byName(name);
        if (f == null) {
            char[] c = String.valueOf(v).toCharArray();
            e.addExtra(name.intern(), c, 0, c.length, Chars.parseLong(c, 0, c.length));
            return;
        }
        switch (f.kind()) {
            case STRING -> e.setText(f, (String) v);
            case BOOL -> e.setBool(f, (Boolean) v);
            default -> e.setLong(f, ((Number) v).longValue());
        }
    }
}
