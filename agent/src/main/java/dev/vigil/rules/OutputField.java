package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

import java.util.function.LongFunction;

/**
 * Reads one field of an event for an alert (allocates: used only when a rule fires): its value for
 * {@code output_fields} (String, Long or Boolean; null when missing) and its text for the output
 * string as Falco renders it ({@code <NA>} when missing, capability sets as names, {@code evt.res}
 * as SUCCESS or the errno name, socket families and types and {@code evt.arg.cap} by name, in both).
 * Immutable.
 */
final class OutputField {
    static final String AGGREGATE_COUNT = "aggregate.count";
    static final String NA = "<NA>";

    final String name;
    private final Field known;
    private final String extra;
    private final boolean anyAncestor;
    private final LongFunction<String> renderer;
    /** container.label[KEY] / k8s.pod.label[KEY]: the runtime's label first, then the extra. */
    private final FieldCatalog.Label label;
    /** A sandbox field: the event's sandbox first, then the extra. */
    private final boolean sandbox;
    /** container.mount.dest[PATH]: the source glob, matched against the event's sandbox's mounts first. */
    private final TextOp mountSource;

    private OutputField(String name, Field known, String extra, boolean anyAncestor) {
        this(name, known, extra, anyAncestor, null);
    }

    private OutputField(String name, Field known, String extra, boolean anyAncestor, FieldCatalog.Label label) {
        this(name, known, extra, anyAncestor, label, null);
    }

    private OutputField(String name, Field known, String extra, boolean anyAncestor, FieldCatalog.Label label,
                        TextOp mountSource) {
        this.mountSource = mountSource;
        this.label = label;
        this.name = name;
        this.sandbox = dev.vigil.event.ContainerSandbox.FIELDS.contains(name);
        this.known = known;
        this.extra = extra;
        this.anyAncestor = anyAncestor;
        this.renderer = known != null ? ConditionCompiler.renderer(known) : null;
    }

    /** Any name is accepted in an output: a field the agent does not know is looked up as an extra. */
    static OutputField of(String name) {
        String base = name;
        String arg = null;
        int b = name.indexOf('[');
        if (b > 0 && name.endsWith("]")) {
            base = name.substring(0, b);
            arg = name.substring(b + 1, name.length() - 1);
        }
        FieldCatalog.Resolved r = FieldCatalog.resolve(new Ast.FieldRef(base, arg));
        if (r instanceof FieldCatalog.Known k) {
            return new OutputField(name, k.field(), null, false);
        }
        if (r instanceof FieldCatalog.AnyAncestor) {
            return new OutputField(name, Field.PROC_PNAME, null, true);
        }
        if (r instanceof FieldCatalog.Label l) {
            return new OutputField(name, null, l.extraName(), false, l);
        }
        if (r instanceof FieldCatalog.MountDest m) {
            return new OutputField(name, null, m.extraName(), false, null, TextOp.glob(m.sourceGlob(), false));
        }
        return new OutputField(name, null, r instanceof FieldCatalog.Extra x ? x.name() : name, false);
    }

    /** The value for output_fields, or null. {@code count} is the aggregate count (or -1). */
    Object value(Event e, long count) {
        if (name.equals(AGGREGATE_COUNT)) {
            return count >= 0 ? count : null;
        }
        if (known == Field.EVT_TYPE) {
            return eventType(e);
        }
        if (known != null) {
            if (!e.has(known)) {
                return null;
            }
            return switch (known.kind()) {
                case STRING -> e.string(known);
                case BOOL -> e.getBool(known);
                case CAPS -> Capabilities.names(e.getLong(known));
                case LONG -> renderer != null ? renderer.apply(e.getLong(known)) : (Object) e.getLong(known);
            };
        }
        if (sandbox && e.sandbox() != null) {
            String v = e.sandbox().sandboxField(name);
            if (v != null) {
                return v;
            }
        }
        if (mountSource != null && e.sandbox() != null) {
            int m = TextSource.MountDest.firstMatch(e.sandbox(), mountSource, new char[256]);
            if (m >= 0) {
                return e.sandbox().mountDestination(m);
            }
        }
        if (label != null && e.containerMeta() != null) {
            String v = label.pod() ? e.containerMeta().podLabel(label.key()) : e.containerMeta().containerLabel(label.key());
            if (v != null) {
                return v;
            }
        }
        int i = e.findExtra(extra);
        if (i < 0) {
            return null;
        }
        long n = e.extraLong(i);
        return n != Chars.NOT_A_NUMBER ? (Object) n : e.extraString(i);
    }

    /** The text for the output string. */
    String text(Event e, long count) {
        if (known != null && known.kind() == dev.vigil.event.FieldKind.LONG && renderer != null && e.has(known)) {
            return renderer.apply(e.getLong(known));
        }
        Object v = value(e, count);
        return v == null ? NA : v.toString();
    }

    static String eventType(Event e) {
        if (e.eventType() != EventTypes.OTHER || !e.has(Field.EVT_TYPE)) {
            return EventTypes.name(e.eventType());
        }
        return e.string(Field.EVT_TYPE);
    }

    boolean isAnyAncestor() {
        return anyAncestor;
    }
}
