package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.Field;

/**
 * Where a text value comes from, resolved at compile time: hands the value's char range to an
 * operator, or answers false when the field is missing. Sources that decode (an event's text is UTF-8
 * bytes), transform or render keep a scratch buffer: one matching thread per compiled tree.
 */
abstract class TextSource {
    abstract boolean test(Event e, TextOp op);

    static final class Known extends TextSource {
        private final Field field;
        private final DecodeBuffer chars = new DecodeBuffer();

        Known(Field field) {
            this.field = field;
        }

        @Override
        boolean test(Event e, TextOp op) {
            return e.has(field) && op.testUtf8(e.text(), e.textStart(field), e.textLength(field), chars);
        }
    }

    static final class Extra extends TextSource {
        private final ExtraIndex index;
        private final int id;
        private final DecodeBuffer chars = new DecodeBuffer();

        Extra(ExtraIndex index, String name) {
            this.index = index;
            this.id = index.id(name);
        }

        @Override
        boolean test(Event e, TextOp op) {
            int i = index.find(e, id);
            return i >= 0 && op.testUtf8(e.text(), e.extraStart(i), e.extraLength(i), chars);
        }
    }

    /**
     * A value the state stage attached to the event as an object (a String), else the producer's flat key of
     * the same field; false when neither has it. Copies the value into a scratch buffer (an operator takes
     * chars): no allocation once the buffer fits.
     */
    abstract static class AttachedOrExtra extends TextSource {
        private final Extra extra;
        private char[] scratch = new char[64];

        AttachedOrExtra(ExtraIndex index, String extraName) {
            this.extra = new Extra(index, extraName);
        }

        /** The attached value, or null when the event has none. */
        abstract String attached(Event e);

        @Override
        final boolean test(Event e, TextOp op) {
            String v = attached(e);
            if (v == null) {
                return extra.test(e, op);
            }
            int len = v.length();
            if (scratch.length < len) {
                scratch = new char[Math.max(len, scratch.length * 2)];
            }
            v.getChars(0, len, scratch, 0);
            return op.test(scratch, 0, len);
        }
    }

    /** container.label[KEY] / k8s.pod.label[KEY]: the runtime's label through the event's ContainerMeta. */
    static final class Label extends AttachedOrExtra {
        private final boolean pod;
        private final String key;

        Label(ExtraIndex index, FieldCatalog.Label label) {
            super(index, label.extraName());
            this.pod = label.pod();
            this.key = label.key();
        }

        @Override
        String attached(Event e) {
            dev.vigil.event.ContainerMeta meta = e.containerMeta();
            return meta == null ? null : pod ? meta.podLabel(key) : meta.containerLabel(key);
        }
    }

    /** A sandbox field ({@link FieldCatalog.Sandbox}): the event's sandbox's value (the state stage's reading). */
    static final class Sandbox extends AttachedOrExtra {
        private final String name;

        Sandbox(ExtraIndex index, String name) {
            super(index, name);
            this.name = name;
        }

        @Override
        String attached(Event e) {
            dev.vigil.event.ContainerSandbox s = e.sandbox();
            return s == null ? null : s.sandboxField(name);
        }
    }

    /**
     * container.mount.dest[PATH]: through the event's sandbox, the destination of the container's first
     * host-path mount whose source matches the glob. Sources are matched in a scratch buffer (no
     * allocation for a source of up to 256 chars).
     */
    static final class MountDest extends AttachedOrExtra {
        private final TextOp source;
        private final char[] scratch = new char[256];

        MountDest(ExtraIndex index, FieldCatalog.MountDest m) {
            super(index, m.extraName());
            this.source = TextOp.glob(m.sourceGlob(), false);
        }

        @Override
        String attached(Event e) {
            dev.vigil.event.ContainerSandbox s = e.sandbox();
            int i = s == null ? -1 : firstMatch(s, source, scratch);
            return i < 0 ? null : s.mountDestination(i);
        }

        /** The index of {@code s}'s first mount whose source {@code source} matches, or -1; longer sources than {@code scratch} are copied anew. */
        static int firstMatch(dev.vigil.event.ContainerSandbox s, TextOp source, char[] scratch) {
            for (int i = 0, n = s.mountCount(); i < n; i++) {
                String src = s.mountSource(i);
                int len = src.length();
                char[] a = len <= scratch.length ? scratch : new char[len];
                src.getChars(0, len, a, 0);
                if (source.test(a, 0, len)) {
                    return i;
                }
            }
            return -1;
        }
    }

    /** Bare proc.aname: true when the operator holds for any ancestor (proc.pname, proc.aname[2..9]). */
    static final class AnyAncestor extends TextSource {
        private final ExtraIndex index;
        private final int[] ids = new int[8];
        private final DecodeBuffer chars = new DecodeBuffer();

        AnyAncestor(ExtraIndex index) {
            this.index = index;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = index.id("proc.aname[" + (i + 2) + "]");
            }
        }

        @Override
        boolean test(Event e, TextOp op) {
            if (e.has(Field.PROC_PNAME)
                && op.testUtf8(e.text(), e.textStart(Field.PROC_PNAME), e.textLength(Field.PROC_PNAME), chars)) {
                return true;
            }
            for (int id : ids) {
                int i = index.find(e, id);
                if (i >= 0 && op.testUtf8(e.text(), e.extraStart(i), e.extraLength(i), chars)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Text operators on a numeric field: the value rendered as Falco does (names for enums). */
    static final class RenderedNumber extends TextSource {
        private final NumberSource source;
        private final java.util.function.LongFunction<String> names;
        private final char[] scratch = new char[24];

        RenderedNumber(NumberSource source, java.util.function.LongFunction<String> names) {
            this.source = source;
            this.names = names;
        }

        @Override
        boolean test(Event e, TextOp op) {
            long v = source.get(e);
            if (v == NumberSource.MISSING) {
                return false;
            }
            String n = names != null ? names.apply(v) : null;
            if (n != null) {
                n.getChars(0, n.length(), scratch, 0);
                return op.test(scratch, 0, n.length());
            }
            int len = decimal(v, scratch);
            return op.test(scratch, scratch.length - len, len);
        }

        /** Writes v's digits at the end of buf; returns their count. */
        static int decimal(long v, char[] buf) {
            int i = buf.length;
            boolean neg = v < 0;
            long x = neg ? v : -v; // work in negatives: Long.MIN_VALUE has no positive
            do {
                buf[--i] = (char) ('0' - (x % 10));
                x /= 10;
            } while (x != 0);
            if (neg) {
                buf[--i] = '-';
            }
            return buf.length - i;
        }
    }

    /** A capability set rendered as Falco does: space-separated names, lowest bit first. */
    static final class CapsNames extends TextSource {
        private final Field field;
        private final char[] scratch = new char[64 * 24];

        CapsNames(Field field) {
            this.field = field;
        }

        @Override
        boolean test(Event e, TextOp op) {
            if (!e.has(field)) {
                return false;
            }
            long mask = e.getLong(field);
            int n = 0;
            for (int i = 0; i < 64; i++) {
                if ((mask & (1L << i)) != 0) {
                    if (n > 0) {
                        scratch[n++] = ' ';
                    }
                    String name = i < Capabilities.COUNT ? Capabilities.name(i) : "CAP_" + i;
                    name.getChars(0, name.length(), scratch, n);
                    n += name.length();
                }
            }
            return op.test(scratch, 0, n);
        }
    }

    /** tolower / toupper. */
    static final class CaseFolded extends TextSource {
        private final TextSource inner;
        private final boolean upper;
        private char[] scratch = new char[256];
        private TextOp target;
        private final TextOp fold = this::fold;

        CaseFolded(TextSource inner, boolean upper) {
            this.inner = inner;
            this.upper = upper;
        }

        private boolean fold(char[] a, int off, int len) {
            if (scratch.length < len) {
                scratch = new char[Math.max(len, scratch.length * 2)];
            }
            for (int i = 0; i < len; i++) {
                char c = a[off + i];
                scratch[i] = upper ? Character.toUpperCase(c) : Character.toLowerCase(c);
            }
            return target.test(scratch, 0, len);
        }

        @Override
        boolean test(Event e, TextOp op) {
            target = op;
            return inner.test(e, fold);
        }
    }

    /** basename: the part after the last '/'. */
    static final class Basename extends TextSource {
        private final TextSource inner;
        private TextOp target;
        private final TextOp cut = this::cut;

        Basename(TextSource inner) {
            this.inner = inner;
        }

        private boolean cut(char[] a, int off, int len) {
            int i = off + len;
            while (i > off && a[i - 1] != '/') {
                i--;
            }
            return target.test(a, i, off + len - i);
        }

        @Override
        boolean test(Event e, TextOp op) {
            target = op;
            return inner.test(e, cut);
        }
    }
}
