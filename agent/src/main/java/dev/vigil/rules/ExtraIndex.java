package dev.vigil.rules;

import dev.vigil.event.Event;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds an event's extras by a small id assigned at compile time, scanning the event's extras at
 * most once per match instead of once per field reference (an openat event is tested against a
 * dozen rules that each read fd.name, fd.typechar, fd.num…). Built lazily on the first extra read
 * after {@link #reset}; no allocation (generation stamps instead of clearing).
 *
 * <p>Threading: shared by the checks of one compiled ruleset; the matching thread only. The engine
 * calls {@link #reset} before each event, because a ring slot is the same object from event to event.
 */
final class ExtraIndex {
    private final Map<String, Integer> ids = new HashMap<>();
    private int[] slot = new int[16];
    private int[] stamp = new int[16];
    private int generation = 1;
    private Event current;
    private boolean built;

    /** The id for an extra's wire name (compile time). */
    int id(String name) {
        Integer id = ids.get(name);
        if (id == null) {
            id = ids.size();
            ids.put(name, id);
            if (id >= slot.length) {
                slot = Arrays.copyOf(slot, slot.length * 2);
                stamp = Arrays.copyOf(stamp, stamp.length * 2);
            }
        }
        return id;
    }

    /** Forgets the previous event: the next read scans this one's extras. */
    void reset(Event e) {
        current = e;
        built = false;
    }

    /** The index of the extra with this id in the event, or -1 (as {@link Event#findExtra}). */
    int find(Event e, int id) {
        if (!built || e != current) {
            build(e);
        }
        return stamp[id] == generation ? slot[id] : -1;
    }

    private void build(Event e) {
        current = e;
        built = true;
        if (++generation == 0) {
            Arrays.fill(stamp, 0);
            generation = 1;
        }
        for (int i = 0, n = e.extraCount(); i < n; i++) {
            Integer id = ids.get(e.extraName(i));
            if (id != null && stamp[id] != generation) { // the first of a name wins, as in findExtra
                stamp[id] = generation;
                slot[id] = i;
            }
        }
    }
}
