package dev.vigil.rules;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.alert.Priority;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A compiled ruleset: dispatches each event to the rules that can match its type (an array indexed by
 * {@link EventTypes} id; rules naming types that are not interned, and rules with no type
 * constraint, sit in the {@link EventTypes#OTHER} slot and compare the type text), and raises an
 * alert for every rule whose condition holds (Falco's {@code rule_matching: all}). A non-matching
 * event allocates nothing. Aggregate rules fire once per key per window; baseline rules fire on
 * tuples unseen after learning, and on a suspect container's tuples during it ({@link ContainerGrants}:
 * before matching, the engine fills {@code container.cap_granted} and {@code thread.cap_ungranted}; an
 * alert at Warning or above marks its container a suspect). When a baseline rule's learning period ends,
 * one Informational alert per scope ({@value #SUMMARY_RULE}, tag {@code baseline}) lists what it learned.
 * Build it with {@link RulesetLoader}.
 *
 * <p>Threading: {@link #match} on one thread at a time (compiled checks keep scratch buffers).
 */
public final class RuleEngine implements Matcher {
    private final CompiledRule[][] byType;
    /** Each of {@link #byType}'s rules' condition for that type ({@link Check#forType}): its evt.type tests answered. */
    private final Check[][] checksByType;
    private final List<CompiledRule> rules;
    private final String hostname;
    private final TimeSource time;
    private final BaselineStore baselines;
    private final ExtraIndex extras;
    private final ContainerGrants grants;
    /** Images the suspect gate trusts: the rules' trusted lists ({@link #TRUSTED_LISTS}). */
    private final String[] trustedImages;
    /** The baseline rules, one per name, whose learning summary is not yet raised. */
    private final List<CompiledRule> summariesPending = new ArrayList<>();
    private int summaryTick;

    /**
     * The output field naming why a baseline rule fired during learning instead of learning: {@code warned},
     * {@code cap_not_granted}, {@code privileged}, {@code beyond_default_caps}.
     */
    public static final String SUSPECT_FIELD = "baseline.suspect";
    /** The rule name of the learning summaries. */
    public static final String SUMMARY_RULE = "Baseline learned";
    /** The lists whose images are never suspects for privilege or capabilities beyond the default set. */
    public static final List<String> TRUSTED_LISTS = List.of("vigil_trusted_privileged_images", "vigil_trusted_sys_admin_images");
    /** At most this many tuples are listed in a summary; the count says how many more. */
    static final int SUMMARY_MAX_TUPLES = 20;
    /** A tuple longer than this is cut in a summary. */
    static final int SUMMARY_MAX_TUPLE_CHARS = 200;
    /** Events between two checks for a learning period's end (besides each baseline match). */
    private static final int SUMMARY_CHECK_MASK = 1023;

    RuleEngine(List<CompiledRule> rules, String hostname, TimeSource time, BaselineStore baselines, ExtraIndex extras) {
        this(rules, hostname, time, baselines, extras, List.of());
    }

    RuleEngine(List<CompiledRule> rules, String hostname, TimeSource time, BaselineStore baselines, ExtraIndex extras,
               List<String> trustedImages) {
        this.extras = extras;
        this.grants = baselines != null ? baselines.containers() : null;
        this.trustedImages = trustedImages.toArray(new String[0]);
        java.util.Set<String> names = new java.util.HashSet<>();
        for (CompiledRule r : rules) {
            if (r.baseline != null && names.add(r.name)) {
                summariesPending.add(r);
            }
        }
        this.rules = List.copyOf(rules);
        this.hostname = hostname;
        this.time = time;
        this.baselines = baselines;
        this.byType = new CompiledRule[EventTypes.COUNT][];
        this.checksByType = new Check[EventTypes.COUNT][];
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
            checksByType[id] = new Check[byType[id].length];
            for (int i = 0; i < byType[id].length; i++) {
                checksByType[id][i] = byType[id][i].check.forType(id);
            }
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
        if (grants != null) {
            grants.fill(event, time);
        }
        if (!summariesPending.isEmpty() && (++summaryTick & SUMMARY_CHECK_MASK) == 0) {
            raiseSummaries(time.now(event), emitter);
        }
        int type = event.eventType();
        CompiledRule[] candidates = byType[type];
        Check[] checks = checksByType[type];
        for (int i = 0; i < candidates.length; i++) {
            if (checks[i].test(event)) {
                fire(candidates[i], event, emitter);
            }
        }
    }

    /** The node's baseline learning period starts with the first event matched (not the first baseline match). */
    private void startLearning(Event event) {
        learningStarted = true;
        if (baselines != null) {
            baselines.startLearning(time.now(event));
            learnStart = baselines.learnStart(); // fixed from now on: the periodic check takes no lock
        }
    }

    /** The node's learning start as the store had it when this engine matched its first event. */
    private long learnStart = Long.MIN_VALUE;

    private boolean learningStarted;

    private void fire(CompiledRule r, Event e, AlertEmitter emitter) {
        long count = -1;
        String suspectReason = null;
        if (r.aggregate != null) {
            count = r.aggregate.offer(e, time.now(e));
            if (count < 0) {
                return;
            }
        }
        dev.vigil.alert.LateJudgement judgement = null;
        if (r.baseline != null && !r.baseline.hasScope(e) && r.baseline.scopedByIdentity()
            && ContainerGrants.inContainer(e)) {
            // The runtime has not described the container yet (its entrypoint's first events often come
            // first): judge the match once the identity wait knows the image, rather than fire for want of it.
            judgement = lateJudgement(r, e);
        } else if (r.baseline != null && r.baseline.hasScope(e)) {
            long now = time.now(e);
            ContainerGrants.Suspicion why = grants != null ? grants.suspicion(e, trusted(e), now)
                : ContainerGrants.Suspicion.NONE;
            boolean suspect = why != ContainerGrants.Suspicion.NONE;
            boolean fires = baselines.observe(r.name, r.baseline.scope(e), r.baseline.tuple(e), now,
                r.baseline.learnNanos(), hostname, suspect);
            if (!summariesPending.isEmpty()) {
                raiseSummaries(now, emitter);
            }
            if (!fires) {
                return;
            }
            if (suspect && now - learnStart < r.baseline.learnNanos()) {
                suspectReason = why.label; // fired, not learned, because its container is a suspect
            }
        }
        long t = e.has(Field.EVT_RAWTIME) ? e.getLong(Field.EVT_RAWTIME) : System.currentTimeMillis() * 1_000_000L;
        Map<String, Object> fields = r.output.fields(e, count);
        if (suspectReason != null) {
            Map<String, Object> withReason = new LinkedHashMap<>(fields);
            withReason.put(SUSPECT_FIELD, suspectReason);
            fields = java.util.Collections.unmodifiableMap(withReason);
        }
        emitter.emit(new Alert(UUID.randomUUID().toString(), t, r.name, r.priority, "syscall", r.tags, hostname,
            r.output.render(e, count), fields, r.output, judgement));
        if (grants != null && r.priority.atLeast(Priority.WARNING) && judgement == null) {
            // An alert judged later may be silenced: it does not make its container a suspect.
            grants.warned(e);
        }
    }

    /**
     * The baseline's judgement of a match whose scope (an identity field) the event did not carry, for the
     * identity wait to ask with the alert's fields once they name the container: the scope read there, the
     * rest of the tuple and everything else as at the match. Thread-safe: the store is synchronised.
     */
    private dev.vigil.alert.LateJudgement lateJudgement(CompiledRule r, Event e) {
        long now = time.now(e);
        // Whether the image is trusted is known only with the image: both answers now, from this event's grant.
        boolean suspect = grants != null
            && grants.suspicion(e, false, now) != ContainerGrants.Suspicion.NONE;
        boolean suspectIfTrusted = grants != null
            && grants.suspicion(e, true, now) != ContainerGrants.Suspicion.NONE;
        String rest = r.baseline.tupleAfterScope(e);
        String rule = r.name;
        long learnNanos = r.baseline.learnNanos();
        String scopeField = r.baseline.key().get(0).name;
        BaselineStore store = baselines;
        String where = hostname;
        return fields -> {
            Object scope = fields.get(scopeField);
            if (scope == null || scope.toString().isEmpty()) {
                return true; // still unnamed: nothing to judge by
            }
            String sc = scope.toString();
            Object image = fields.get(dev.vigil.alert.IdentityFields.IMAGE_REPOSITORY);
            boolean trusted = image != null && java.util.Arrays.asList(trustedImages).contains(image.toString());
            return store.observe(rule, sc, sc + rest, now, learnNanos, where, trusted ? suspectIfTrusted : suspect);
        };
    }

    private boolean trusted(Event e) {
        for (String image : trustedImages) {
            if (e.textEquals(Field.CONTAINER_IMAGE_REPOSITORY, image)) {
                return true;
            }
        }
        return false;
    }

    /** Raises the learning summaries of the baseline rules whose period has ended by {@code now}. */
    private void raiseSummaries(long now, AlertEmitter emitter) {
        long start = learnStart;
        if (start == Long.MIN_VALUE) {
            return;
        }
        for (int i = summariesPending.size() - 1; i >= 0; i--) {
            CompiledRule r = summariesPending.get(i);
            if (now - start < r.baseline.learnNanos()) {
                continue;
            }
            summariesPending.remove(i);
            for (BaselineStore.Summary s : baselines.takeSummaries(r.name, r.baseline.learnNanos(), now, hostname)) {
                emitter.emit(summaryAlert(s, r.baseline.learnNanos()));
            }
        }
    }

    /** One scope's learning summary, in Falco's alert format; its size is bounded (tuples listed, chars each). */
    private Alert summaryAlert(BaselineStore.Summary s, long learnNanos) {
        StringBuilder list = new StringBuilder();
        int shown = Math.min(s.learned().size(), SUMMARY_MAX_TUPLES);
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                list.append("; ");
            }
            String t = s.learned().get(i);
            int cut = t.indexOf(BaselineStore.SEP);
            String rest = cut < 0 ? t : t.substring(cut + 1).replace(BaselineStore.SEP, ' ');
            list.append(rest.length() > SUMMARY_MAX_TUPLE_CHARS ? rest.substring(0, SUMMARY_MAX_TUPLE_CHARS) + "…" : rest);
        }
        int more = s.learned().size() - shown;
        if (more > 0) {
            list.append("; … (+").append(more).append(" more)");
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("evt.rawtime", s.windowEndNanos());
        fields.put("baseline.rule", s.rule());
        fields.put("baseline.scope", s.scope());
        fields.put("baseline.learned", (long) s.learned().size());
        fields.put("baseline.tuples", list.toString());
        fields.put("baseline.suspect_alerted", (long) s.flagged().size());
        fields.put("baseline.learn_seconds", learnNanos / 1_000_000_000L);
        String output = SUMMARY_RULE + " (rule=" + s.rule() + " scope=" + s.scope() + " learned=" + s.learned().size()
            + " tuples=[" + list + "] suspect_alerted=" + s.flagged().size() + " learn=" + learnNanos / 1_000_000_000L + "s)";
        return new Alert(UUID.randomUUID().toString(), s.windowEndNanos(), SUMMARY_RULE, Priority.INFORMATIONAL,
            "syscall", List.of("baseline"), hostname, output, java.util.Collections.unmodifiableMap(fields));
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
