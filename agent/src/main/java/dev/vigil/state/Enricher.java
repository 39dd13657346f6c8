package dev.vigil.state;

import dev.vigil.event.Event;

/**
 * Fills an event's process and container fields from what the agent knows (process table,
 * /proc, cgroups) and keeps that knowledge up to date from the event. Pipeline thread only.
 */
public interface Enricher {
    void enrich(Event event);

    /** Does nothing: events pass as they came. */
    Enricher NONE = event -> { };
}
