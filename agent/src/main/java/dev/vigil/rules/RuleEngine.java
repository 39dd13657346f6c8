package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A compiled ruleset: dispatches each event to the rules that can match its type (an array indexed by
 * {@link EventTypes} id; rules naming types that are not interned, and rules with no type
 * constraint, sit in the {@link EventTypes#OTHER} slot and compare the type text), and raises an
 * alert for every rule whose condition holds (Falco's {@code rule_matching: all}). A non-matching
 * event allocates nothing. Aggregate rules fire once per key per window; baseline rules fire on
 * tuples unseen after learning. Build it with {@link RulesetLoader}.
 *
 * <p>Threading: {@link #match} on one thread at a time (compiled checks keep scratch buffers).
 */
public final class RuleEngine implements Matcher {
    private final CompiledRule[][] byType;
    private final List<CompiledRule> rules;
    private final String hostname;
    private final TimeSource time;
    private final BaselineStore baselines;
    private final ExtraIndex extras;

    RuleEngine(List<CompiledRule> rules, String hostname, TimeSource time, BaselineStore baselines, ExtraIndex extras) {
        this.extras = extras;
        this.rules = List.copyOf(rules);
        this.hostname = hostname;
        this.time = time;
        this.baselines = baselines;
        this.byType = new CompiledRule[EventTypes.COUNT][];
        for (int id = 0; id < EventTypes.COUNT; id++) {
            List<CompiledRule> l = new ArrayList<>();
            for (CompiledRule r : rules) {
                boolean in = id == EventTypes.OTHER
                    // OTHER holds the rules that may match a type name not interned.
                    ? r.types.complement() || r.types.names().stream().anyMatch(n -> EventTypes.id(n) == EventTypes.OTHER)
                    : r.types.contains(EventTypes.name(id));
                if (in) {
                    l.add(r);
                }
            }
            byType[id] = l.toArray(new CompiledRule[0]);
        }
    }

    @Override
    public void match(Event event, AlertEmitter emitter) {
        if (!event.isValid()) {
            return; // a slot claimed for a line that was then rejected: nothing to match
        }
        if (!learningStarted) {
            startLearning(event);
        }
        extras.reset(event);
        for (CompiledRule r : byType[event.eventType()]) {
            if (r.check.test(event)) {
                fire(r, event, emitter);
            }
        }
    }

    /** The node's baseline learning period starts with the first event matched (not the first baseline match). */
    private void startLearning(Event event) {
        learningStarted = true;
        if (baselines != null) {
            baselines.startLearning(time.now(event));
        }
    }

    private boolean learningStarted;

    private void fire(CompiledRule r, Event e, AlertEmitter emitter) {
        long count = -1;
        if (r.aggregate != null) {
            count = r.aggregate.offer(e, time.now(e));
            if (count < 0) {
                return;
            }
        }
        if (r.baseline != null && r.baseline.hasScope(e)) {
            boolean novel = baselines.observe(r.name, r.baseline.scope(e), r.baseline.tuple(e), time.now(e),
                r.baseline.learnNanos());
            if (!novel) {
                return;
            }
        }
        long t = e.has(Field.EVT_RAWTIME) ? e.getLong(Field.EVT_RAWTIME) : System.currentTimeMillis() * 1_000_000L;
        emitter.emit(new Alert(UUID.randomUUID().toString(), t, r.name, r.priority, "syscall", r.tags, hostname,
            r.output.render(e, count), r.output.fields(e, count), r.output));
    }

    @Override
    public int ruleCount() {
        return rules.size();
    }

    /** The names of the rules that run, in load order. */
    public List<String> ruleNames() {
        return rules.stream().map(r -> r.name).toList();
    }

    /** The event types a rule can match (ALL for no constraint), for diagnostics and tests. */
    public EventTypeSet eventTypes(String rule) {
        return rules.stream().filter(r -> r.name.equals(rule)).map(r -> r.types).findFirst().orElse(null);
    }

    /** The compiled rules tried for an event type (for tests and profiling). */
    List<CompiledRule> rulesTriedFor(int eventTypeId) {
        return List.of(byType[eventTypeId]);
    }

    /** Number of rules tried for an event type (its dispatch slot's size). */
    public int rulesFor(int eventTypeId) {
        return byType[eventTypeId].length;
    }

    /** Persists learned baselines (call on shutdown; also safe at any time). */
    public void saveBaselines() {
        if (baselines != null) {
            baselines.save();
        }
    }
}
