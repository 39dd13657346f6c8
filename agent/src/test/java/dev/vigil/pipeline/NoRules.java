package dev.vigil.pipeline;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Event;
import dev.vigil.rules.Matcher;

/** A matcher with no rules, for the pipeline's tests: every event passes unmatched. */
final class NoRules implements Matcher {
    static final Matcher INSTANCE = new NoRules();

    private NoRules() {
    }

    @Override
    public void match(Event event, AlertEmitter emitter) {
    }

    @Override
    public int ruleCount() {
        return 0;
    }
}
