package dev.vigil.rules;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Event;

/**
 * A compiled ruleset applied to events: every rule whose condition matches fires.
 * Threading: called on the pipeline thread only.
 */
public interface Matcher {
    void match(Event event, AlertEmitter emitter);

    /** Number of rules that run. */
    int ruleCount();
}
