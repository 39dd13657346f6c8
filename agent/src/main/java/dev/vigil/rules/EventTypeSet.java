package dev.vigil.rules;

import java.util.Set;
import java.util.TreeSet;

/**
 * A set of event type names that may be infinite: either exactly {@code names}, or (complement) every
 * type except {@code names}. Closed under union, intersection and complement, so the types a condition
 * can match are derived from its syntax tree as libsinsp does (see {@link #of(Ast)}). Immutable.
 */
public record EventTypeSet(boolean complement, Set<String> names) {
    public static final EventTypeSet ALL = new EventTypeSet(true, Set.of());
    public static final EventTypeSet NONE = new EventTypeSet(false, Set.of());

    public EventTypeSet {
        names = Set.copyOf(names);
    }

    public static EventTypeSet only(Set<String> names) {
        return new EventTypeSet(false, names);
    }

    public boolean isAll() {
        return complement && names.isEmpty();
    }

    public boolean contains(String type) {
        return names.contains(type) != complement;
    }

    public EventTypeSet not() {
        return new EventTypeSet(!complement, names);
    }

    public EventTypeSet and(EventTypeSet o) {
        if (!complement && !o.complement) {
            return only(retain(names, o.names));
        }
        if (!complement) {
            return only(minus(names, o.names));
        }
        if (!o.complement) {
            return only(minus(o.names, names));
        }
        return new EventTypeSet(true, union(names, o.names));
    }

    public EventTypeSet or(EventTypeSet o) {
        return not().and(o.not()).not();
    }

    /**
     * The event types for which the (macro-expanded) condition may be true. Each node gets two sets:
     * where it may be true and where it may be false; {@code not} swaps them, {@code and}/{@code or}
     * combine them by De Morgan, so {@code not evt.type != open} gives {open} and
     * {@code not (evt.type = open and proc.name = x)} gives every type.
     */
    public static EventTypeSet of(Ast condition) {
        return mayBe(condition, true);
    }

    private static EventTypeSet mayBe(Ast a, boolean truth) {
        if (a instanceof Ast.Not n) {
            return mayBe(n.child(), !truth);
        }
        if (a instanceof Ast.And and) {
            EventTypeSet r = truth ? ALL : NONE;
            for (Ast c : and.children()) {
                r = truth ? r.and(mayBe(c, true)) : r.or(mayBe(c, false));
            }
            return r;
        }
        if (a instanceof Ast.Or or) {
            EventTypeSet r = truth ? NONE : ALL;
            for (Ast c : or.children()) {
                r = truth ? r.or(mayBe(c, true)) : r.and(mayBe(c, false));
            }
            return r;
        }
        if (a instanceof Ast.Compare c && c.field() instanceof Ast.FieldRef f && f.arg() == null
                && f.name().equals("evt.type") && c.modifier() == null && c.value() != null
                && !(c.value() instanceof Ast.FieldOperand)) {
            Set<String> names = new TreeSet<>();
            if (c.value() instanceof Ast.Scalar s) {
                names.add(s.text());
            } else {
                for (Ast.Scalar s : ((Ast.ListValue) c.value()).items()) {
                    names.add(s.text());
                }
            }
            EventTypeSet exact = only(names);
            switch (c.op()) {
                case "=", "==", "in", "intersects":
                    return truth ? exact : exact.not();
                case "!=":
                    return truth ? exact.not() : exact;
                default:
                    return ALL;
            }
        }
        return ALL;
    }

    private static Set<String> retain(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.retainAll(b);
        return r;
    }

    private static Set<String> minus(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.removeAll(b);
        return r;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> r = new TreeSet<>(a);
        r.addAll(b);
        return r;
    }
}
