package dev.vigil.rules;

import dev.vigil.alert.OutputTemplate;
import dev.vigil.event.Event;
import dev.vigil.event.Field;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A rule's {@code output}, compiled once: literal text and {@code %field} / {@code %(field)}
 * references ({@code %proc.aname[2]}, {@code %evt.arg.flags}, {@code %aggregate.count}). Renders the
 * message and the {@code output_fields} map (every field named, then evt.rawtime, evt.type, proc.pid,
 * proc.name, container.id and the workload's identity (container.name, container.image.repository,
 * container.image.tag, k8s.ns.name, k8s.pod.name) where present). As an {@link OutputTemplate} it
 * renders the message again from such a map, with the same text as from the event. Allocates: used
 * only when a rule fires. Immutable.
 */
public final class OutputFormat implements OutputTemplate {
    private static final String[] ALWAYS = {"evt.rawtime", "evt.type", "proc.pid", "proc.name", "container.id",
        // Who did it, so that a SIEM can route by namespace and image whatever the rule's message says.
        "container.name", "container.image.repository", "container.image.tag", "k8s.ns.name", "k8s.pod.name"};

    private final List<Object> parts; // String literal or OutputField
    private final List<OutputField> fields;
    private final List<OutputField> always;

    private OutputFormat(List<Object> parts, List<OutputField> fields) {
        this.parts = parts;
        this.fields = fields;
        List<OutputField> a = new ArrayList<>();
        for (String n : ALWAYS) {
            a.add(OutputField.of(n));
        }
        this.always = a;
    }

    public static OutputFormat compile(String text, List<String> extraFields) {
        // A YAML folded block (output: >) ends in a newline that is not part of the message.
        text = text.strip();
        List<Object> parts = new ArrayList<>();
        Map<String, OutputField> fields = new LinkedHashMap<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%' || i + 1 >= text.length()) {
                lit.append(c);
                i++;
                continue;
            }
            int start;
            int end;
            int next;
            if (text.charAt(i + 1) == '(') {
                start = i + 2;
                end = text.indexOf(')', start);
                if (end < 0) {
                    lit.append(c);
                    i++;
                    continue;
                }
                next = end + 1;
            } else {
                start = i + 1;
                end = start;
                while (end < text.length() && (Character.isLetterOrDigit(text.charAt(end)) || text.charAt(end) == '_'
                        || text.charAt(end) == '.')) {
                    end++;
                }
                while (end > start && text.charAt(end - 1) == '.') {
                    end--;
                }
                if (end < text.length() && text.charAt(end) == '[') {
                    int close = text.indexOf(']', end);
                    if (close > 0) {
                        end = close + 1;
                    }
                }
                next = end;
            }
            String name = text.substring(start, end).trim();
            if (name.isEmpty() || name.indexOf('.') < 0) {
                lit.append(c);
                i++;
                continue;
            }
            if (lit.length() > 0) {
                parts.add(lit.toString());
                lit.setLength(0);
            }
            OutputField f = fields.computeIfAbsent(name, OutputField::of);
            parts.add(f);
            i = next;
        }
        if (lit.length() > 0) {
            parts.add(lit.toString());
        }
        for (String x : extraFields) {
            fields.computeIfAbsent(x, OutputField::of);
        }
        return new OutputFormat(List.copyOf(parts), List.copyOf(fields.values()));
    }

    /** The message, fields substituted. {@code count} is the aggregate count, or -1. */
    public String render(Event e, long count) {
        StringBuilder sb = new StringBuilder(128);
        for (Object p : parts) {
            if (p instanceof String s) {
                sb.append(s);
            } else {
                sb.append(((OutputField) p).text(e, count));
            }
        }
        return sb.toString();
    }

    /**
     * The message from an alert's {@code output_fields} (as {@link #fields} made them, maybe changed
     * since): a field's text is its value's, {@code <NA>} when absent or null. {@link #fields} stores
     * each value already in its text form (capability names, errno names), so the result equals
     * {@link #render(Event, long)} for the map made from the same event.
     */
    @Override
    public String render(Map<String, Object> values) {
        StringBuilder sb = new StringBuilder(128);
        for (Object p : parts) {
            if (p instanceof String s) {
                sb.append(s);
            } else {
                Object v = values.get(((OutputField) p).name);
                sb.append(v == null ? OutputField.NA : v.toString());
            }
        }
        return sb.toString();
    }

    public Map<String, Object> fields(Event e, long count) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (OutputField f : fields) {
            m.put(f.name, f.value(e, count));
        }
        for (OutputField f : always) {
            if (!m.containsKey(f.name)) {
                Object v = f.value(e, count);
                if (v != null) {
                    m.put(f.name, v);
                }
            }
        }
        if (!m.containsKey("evt.rawtime") && e.has(Field.EVT_RAWTIME)) {
            m.put("evt.rawtime", e.getLong(Field.EVT_RAWTIME));
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
