package dev.vigil.rules;

import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.Field;

/** Where a numeric value comes from, resolved at compile time; {@link #MISSING} when absent. */
abstract class NumberSource {
    static final long MISSING = Chars.NOT_A_NUMBER;

    abstract long get(Event e);

    static final class Known extends NumberSource {
        private final Field field;

        Known(Field field) {
            this.field = field;
        }

        @Override
        long get(Event e) {
            return e.has(field) ? e.getLong(field) : MISSING;
        }
    }

    /** An extra's numeric value; missing when absent or not a number. */
    static final class Extra extends NumberSource {
        private final ExtraIndex index;
        private final int id;

        Extra(ExtraIndex index, String name) {
            this.index = index;
            this.id = index.id(name);
        }

        @Override
        long get(Event e) {
            int i = index.find(e, id);
            return i >= 0 ? e.extraLong(i) : MISSING;
        }
    }

    /** len(x): the length of a text value. */
    static final class Length extends NumberSource {
        private final TextSource inner;
        private long length;
        private final TextOp capture = (a, off, len) -> {
            length = len;
            return true;
        };

        Length(TextSource inner) {
            this.inner = inner;
        }

        @Override
        long get(Event e) {
            return inner.test(e, capture) ? length : MISSING;
        }
    }
}
