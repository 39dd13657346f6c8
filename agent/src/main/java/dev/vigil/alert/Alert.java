package dev.vigil.alert;

import java.util.List;
import java.util.Map;

/**
 * One alert, in Falco's output format (DESIGN.md, Alerts out): what the rules stage produces and
 * every sink delivers. Immutable once built; safe to hand to other threads.
 *
 * @param uuid         unique id (random UUID)
 * @param timeNanos    the triggering event's time, ns since the epoch
 * @param outputFields every field named in the output, plus evt.rawtime, evt.type, proc.pid,
 *                     proc.name and container.id where known; values are String, Long or Boolean
 * @param template     the rule's output, to render {@code output} again from changed fields (the alert
 *                     stage's late identity); null for an alert read back from JSON or made by the alert
 *                     stage itself (summaries). Not part of the wire format.
 * @param judgement    what decides, once the container's identity is known, whether the alert still
 *                     fires ({@link LateJudgement}); null when the rules stage decided. Not part of the
 *                     wire format.
 */
public record Alert(String uuid, long timeNanos, String rule, Priority priority, String source,
                    List<String> tags, String hostname, String output, Map<String, Object> outputFields,
                    OutputTemplate template, LateJudgement judgement) {

    /** An alert the rules stage decided. */
    public Alert(String uuid, long timeNanos, String rule, Priority priority, String source, List<String> tags,
                 String hostname, String output, Map<String, Object> outputFields, OutputTemplate template) {
        this(uuid, timeNanos, rule, priority, source, tags, hostname, output, outputFields, template, null);
    }

    /** An alert without a template: its output is final. */
    public Alert(String uuid, long timeNanos, String rule, Priority priority, String source, List<String> tags,
                 String hostname, String output, Map<String, Object> outputFields) {
        this(uuid, timeNanos, rule, priority, source, tags, hostname, output, outputFields, null, null);
    }

    /**
     * The same alert (same uuid) with other output fields, its output rendered again from them when it
     * has a template (else kept as it was).
     */
    public Alert withOutputFields(Map<String, Object> fields) {
        Map<String, Object> copy = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(fields));
        String text = template != null ? template.render(copy) : output;
        return new Alert(uuid, timeNanos, rule, priority, source, tags, hostname, text, copy, template, judgement);
    }

    /** The same alert, decided: without its judgement. */
    public Alert judged() {
        return judgement == null ? this
            : new Alert(uuid, timeNanos, rule, priority, source, tags, hostname, output, outputFields, template, null);
    }
}
