package dev.vigil.rules;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A compiled condition node: an immutable predicate over an event's fields, names resolved at
 * compile time. A missing field makes every comparison on it false (as in libsinsp); only
 * {@code not} can turn that into true. Threading: a compiled tree belongs to one matching thread
 * (some nodes keep a scratch buffer); build one per thread.
 */
abstract class Check {
    abstract boolean test(Event e);

    /**
     * This condition for events of one interned type ({@code typeId}, not {@link EventTypes#OTHER}):
     * its {@code evt.type} tests answered (the rules are already dispatched by type, so they would
     * answer the same for every event) and the {@code and}/{@code or}/{@code not} around them folded.
     * Equal to this on every event of that type. Leaves return themselves (shared, same thread).
     */
    Check forType(int typeId) {
        return this;
    }

    static final Check TRUE = new Check() {
        @Override
        boolean test(Event e) {
            return true;
        }
    };

    static final Check FALSE = new Check() {
        @Override
        boolean test(Event e) {
            return false;
        }
    };

    /**
     * An and ({@code absorbing} FALSE, {@code neutral} TRUE) or an or (the reverse) for one type: the
     * absorbing constant if a child became it, the neutral one if every child did, the one child left,
     * the node itself if no child changed, else {@code rebuild} of the children left.
     */
    private static Check fold(Check node, Check[] children, int typeId, Check absorbing, Check neutral,
                              Function<Check[], Check> rebuild) {
        List<Check> kept = new ArrayList<>(children.length);
        boolean changed = false;
        for (Check c : children) {
            Check s = c.forType(typeId);
            if (s == absorbing) {
                return absorbing;
            }
            changed |= s != c;
            if (s != neutral) {
                kept.add(s);
            }
        }
        if (!changed) {
            return node;
        }
        return kept.isEmpty() ? neutral : kept.size() == 1 ? kept.get(0) : rebuild.apply(kept.toArray(new Check[0]));
    }

    static final class And extends Check {
        private final Check[] children;

        And(Check[] children) {
            this.children = children;
        }

        @Override
        Check forType(int typeId) {
            return fold(this, children, typeId, FALSE, TRUE, And::new);
        }

        @Override
        boolean test(Event e) {
            for (Check c : children) {
                if (!c.test(e)) {
                    return false;
                }
            }
            return true;
        }
    }

    static final class Or extends Check {
        private final Check[] children;

        Or(Check[] children) {
            this.children = children;
        }

        @Override
        Check forType(int typeId) {
            return fold(this, children, typeId, TRUE, FALSE, Or::new);
        }

        @Override
        boolean test(Event e) {
            for (Check c : children) {
                if (c.test(e)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class Not extends Check {
        private final Check child;

        Not(Check child) {
            this.child = child;
        }

        @Override
        Check forType(int typeId) {
            Check c = child.forType(typeId);
            return c == TRUE ? FALSE : c == FALSE ? TRUE : c == child ? this : new Not(c);
        }

        @Override
        boolean test(Event e) {
            return !child.test(e);
        }
    }

    /** A text value compared by an operator. */
    static final class OnText extends Check {
        private final TextSource source;
        private final TextOp op;

        OnText(TextSource source, TextOp op) {
            this.source = source;
            this.op = op;
        }

        @Override
        boolean test(Event e) {
            return source.test(e, op);
        }
    }

    /** A numeric value compared by an operator. */
    static final class OnNumber extends Check {
        private final NumberSource source;
        private final NumberOp op;

        OnNumber(NumberSource source, NumberOp op) {
            this.source = source;
            this.op = op;
        }

        @Override
        boolean test(Event e) {
            long v = source.get(e);
            return v != NumberSource.MISSING && op.test(v);
        }
    }

    /** {@code exists}. */
    static final class Exists extends Check {
        private final TextSource text;
        private final NumberSource number;

        Exists(TextSource text, NumberSource number) {
            this.text = text;
            this.number = number;
        }

        @Override
        boolean test(Event e) {
            return text != null ? text.test(e, TextOp.ANY) : number.get(e) != NumberSource.MISSING;
        }
    }

    /** evt.type against a set of type names: interned ids by table, others by text. */
    static final class EventTypeIn extends Check {
        private final boolean[] ids;
        private final String[] otherNames;
        private final boolean negate;

        EventTypeIn(boolean[] ids, String[] otherNames, boolean negate) {
            this.ids = ids;
            this.otherNames = otherNames;
            this.negate = negate;
        }

        @Override
        Check forType(int typeId) {
            if (typeId == EventTypes.OTHER) {
                return this; // an uninterned type is told by its name, event by event
            }
            return ids[typeId] != negate ? TRUE : FALSE;
        }

        @Override
        boolean test(Event e) {
            int id = e.eventType();
            boolean in;
            if (id != dev.vigil.event.EventTypes.OTHER) {
                in = ids[id];
            } else {
                in = false;
                for (String n : otherNames) {
                    if (e.textEquals(dev.vigil.event.Field.EVT_TYPE, n)) {
                        in = true;
                        break;
                    }
                }
            }
            return in != negate;
        }
    }

    /** {@code a op val(b)}: two fields compared as text. */
    static final class TextFields extends Check {
        private final TextSource left;
        private final TextSource right;
        private final boolean negate;
        private final Pair pair = new Pair();

        TextFields(TextSource left, TextSource right, boolean negate) {
            this.left = left;
            this.right = right;
            this.negate = negate;
        }

        private final class Pair implements TextOp {
            Event event;
            char[] la;
            int loff;
            int llen;
            final TextOp inner = (a, off, len) -> {
                if (len != llen) {
                    return negate;
                }
                for (int i = 0; i < len; i++) {
                    if (a[off + i] != la[loff + i]) {
                        return negate;
                    }
                }
                return !negate;
            };

            @Override
            public boolean test(char[] a, int off, int len) {
                la = a;
                loff = off;
                llen = len;
                return right.test(event, inner);
            }
        }

        @Override
        boolean test(Event e) {
            pair.event = e;
            return left.test(e, pair);
        }
    }

    /** {@code a op val(b)}: two numbers. */
    static final class NumberFields extends Check {
        private final NumberSource left;
        private final NumberSource right;
        private final String op;

        NumberFields(NumberSource left, NumberSource right, String op) {
            this.left = left;
            this.right = right;
            this.op = op;
        }

        @Override
        boolean test(Event e) {
            long a = left.get(e);
            long b = right.get(e);
            if (a == NumberSource.MISSING || b == NumberSource.MISSING) {
                return false;
            }
            return NumberOp.compare(op, a, b);
        }
    }
}
