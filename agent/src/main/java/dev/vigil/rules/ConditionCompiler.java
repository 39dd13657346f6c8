package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Errno;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.event.SocketNames;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongFunction;

/**
 * The last step of loading rules: turns a condition's {@link Ast} into a {@link Check} tree and the
 * set of event types it can match (the key of the engine's index by event type). Macro and list
 * references are first expanded by the {@link MacroResolver} it is given; then every field name is
 * resolved once to a field id (or an extra's name) and every constant converted to the field's
 * representation (errno names, AF_ and SOCK_ names, capability names and masks). Field semantics
 * follow Falco's string forms: {@code evt.res = SUCCESS} is {@code res >= 0},
 * {@code thread.cap_effective contains CAP_X} a bit test, {@code evt.arg.domain = AF_PACKET} a
 * number compare.
 *
 * <p>Contract: {@link #compile} throws {@link RuleCompileException}: a skip for what the agent cannot
 * supply (an unknown field, an unsupported transformer or operator with {@code val()}, a regex RE2
 * rejects), an error for
 * what is wrong (an undefined macro, a bad constant, an operator a field cannot take). Every check it
 * builds reads extras through one shared {@link ExtraIndex}. Not thread-safe; one per ruleset load.
 */
public final class ConditionCompiler {
    private final MacroResolver macros;
    /** Shared by every check this compiler builds: one per ruleset (see {@link ExtraIndex}). */
    private final ExtraIndex extras = new ExtraIndex();

    /**
     * A compiler for conditions that use these macros (name → condition text) and lists (name → raw
     * items as written in YAML), defined nowhere in a file.
     */
    public ConditionCompiler(Map<String, String> macros, Map<String, List<String>> lists) {
        this(MacroResolver.ofText(macros, lists));
    }

    ConditionCompiler(MacroResolver macros) {
        this.macros = macros;
    }

    /** The result of compiling a condition: the predicate and the event types it can match. */
    public record Compiled(Check check, EventTypeSet types, Ast expanded) {
    }

    /** The extras index the compiled checks read through; the engine resets it before each event. */
    ExtraIndex extras() {
        return extras;
    }

    public Compiled compile(Ast condition) throws RuleCompileException {
        Ast expanded = macros.resolve(condition);
        return new Compiled(compileNode(expanded), EventTypeSet.of(expanded), expanded);
    }

    // ---- compilation ----

    private Check compileNode(Ast a) throws RuleCompileException {
        if (a instanceof Ast.And and) {
            Check[] c = new Check[and.children().size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = compileNode(and.children().get(i));
            }
            return new Check.And(c);
        }
        if (a instanceof Ast.Or or) {
            Check[] c = new Check[or.children().size()];
            for (int i = 0; i < c.length; i++) {
                c[i] = compileNode(or.children().get(i));
            }
            return new Check.Or(c);
        }
        if (a instanceof Ast.Not n) {
            return new Check.Not(compileNode(n.child()));
        }
        return compileCompare((Ast.Compare) a);
    }

    private enum Kind { TEXT, LONG, BOOL, CAPS, EXTRA }

    /** A resolved left (or val) operand: its text and number views, and the known field if any. */
    private record Operand(Kind kind, TextSource text, NumberSource number, Field field) {
    }

    private Operand resolve(Ast.Value v) throws RuleCompileException {
        if (v instanceof Ast.Transform t) {
            Operand inner = resolve(t.inner());
            switch (t.function()) {
                case "tolower", "toupper":
                    return new Operand(Kind.TEXT, new TextSource.CaseFolded(inner.text(), t.function().equals("toupper")), null, null);
                case "basename":
                    return new Operand(Kind.TEXT, new TextSource.Basename(inner.text()), null, null);
                case "len": {
                    NumberSource n = new NumberSource.Length(inner.text());
                    return new Operand(Kind.LONG, new TextSource.RenderedNumber(n, null), n, null);
                }
                default:
                    throw RuleCompileException.skip("unsupported transformer " + t.function());
            }
        }
        Ast.FieldRef f = (Ast.FieldRef) v;
        FieldCatalog.Resolved r = FieldCatalog.resolve(f);
        if (r == null) {
            throw RuleCompileException.skip("unknown field " + f.fullName());
        }
        if (r instanceof FieldCatalog.AnyAncestor) {
            return new Operand(Kind.TEXT, new TextSource.AnyAncestor(extras), null, null);
        }
        if (r instanceof FieldCatalog.Label l) {
            return new Operand(Kind.TEXT, new TextSource.Label(extras, l), null, null);
        }
        if (r instanceof FieldCatalog.Sandbox sb) {
            return new Operand(Kind.TEXT, new TextSource.Sandbox(extras, sb.name()), null, null);
        }
        if (r instanceof FieldCatalog.MountDest m) {
            return new Operand(Kind.TEXT, new TextSource.MountDest(extras, m), null, null);
        }
        if (r instanceof FieldCatalog.Extra x) {
            return new Operand(Kind.EXTRA, new TextSource.Extra(extras, x.name()), new NumberSource.Extra(extras, x.name()), null);
        }
        Field field = ((FieldCatalog.Known) r).field();
        NumberSource n = new NumberSource.Known(field);
        return switch (field.kind()) {
            case STRING -> new Operand(Kind.TEXT, new TextSource.Known(field), null, field);
            case LONG -> new Operand(Kind.LONG, new TextSource.RenderedNumber(n, renderer(field)), n, field);
            case BOOL -> new Operand(Kind.BOOL, new TextSource.RenderedNumber(n, x -> x != 0 ? "true" : "false"), n, field);
            case CAPS -> new Operand(Kind.CAPS, new TextSource.CapsNames(field), n, field);
        };
    }

    /** Falco's text form of an enumerated numeric field, or null for plain decimal. */
    static LongFunction<String> renderer(Field f) {
        return switch (f) {
            case EVT_RES -> Errno::render;
            case EVT_ARG_DOMAIN -> SocketNames::familyName;
            case EVT_ARG_TYPE -> SocketNames::typeName;
            case EVT_ARG_CAP -> x -> Capabilities.name((int) x);
            default -> null;
        };
    }

    /** A constant in a numeric field's representation, or NOT_A_NUMBER. */
    private static long constant(Operand o, String text) {
        char[] c = text.toCharArray();
        long v = Chars.parseLong(c, 0, c.length);
        if (v != Chars.NOT_A_NUMBER) {
            return v;
        }
        if (o.kind() == Kind.BOOL) {
            return text.equalsIgnoreCase("true") ? 1 : text.equalsIgnoreCase("false") ? 0 : Chars.NOT_A_NUMBER;
        }
        if (o.field() == null) {
            return Chars.NOT_A_NUMBER;
        }
        return switch (o.field()) {
            case EVT_RES -> Errno.value(c, 0, c.length);
            case EVT_ARG_DOMAIN -> SocketNames.family(c, 0, c.length);
            case EVT_ARG_TYPE -> SocketNames.type(c, 0, c.length);
            case EVT_ARG_CAP -> {
                int n = Capabilities.number(text);
                yield n < 0 ? Chars.NOT_A_NUMBER : n;
            }
            default -> Chars.NOT_A_NUMBER;
        };
    }

    private Check compileCompare(Ast.Compare c) throws RuleCompileException {
        String where = " at " + c.line() + ":" + c.column();
        Operand lhs = resolve(c.field());
        String op = c.op();
        if (op.equals("exists")) {
            return new Check.Exists(lhs.text(), lhs.number());
        }
        if (c.value() instanceof Ast.FieldOperand fo) {
            Operand rhs = resolve(fo.value());
            if (lhs.number() != null && rhs.number() != null && lhs.kind() != Kind.EXTRA
                    && NUMERIC_OPS.contains(op)) {
                return new Check.NumberFields(lhs.number(), rhs.number(), op);
            }
            if (op.equals("=") || op.equals("==") || op.equals("!=")) {
                return new Check.TextFields(lhs.text(), rhs.text(), op.equals("!="));
            }
            if (lhs.number() != null && rhs.number() != null && NUMERIC_OPS.contains(op)) {
                return new Check.NumberFields(lhs.number(), rhs.number(), op);
            }
            throw RuleCompileException.skip("operator " + op + " with val() is not supported" + where);
        }
        List<String> values = new ArrayList<>();
        if (c.value() instanceof Ast.Scalar s) {
            values.add(s.text());
        } else {
            for (Ast.Scalar s : ((Ast.ListValue) c.value()).items()) {
                values.add(s.text());
            }
        }
        boolean list = c.value() instanceof Ast.ListValue;

        if (lhs.field() == Field.EVT_TYPE && c.modifier() == null
                && (op.equals("=") || op.equals("==") || op.equals("!=") || op.equals("in") || op.equals("intersects"))) {
            return eventTypeCheck(values, op.equals("!="));
        }
        if (c.modifier() == null) {
            Check special = switch (lhs.kind()) {
                case CAPS -> capsCheck(lhs, op, values);
                case LONG, BOOL -> numberCheck(lhs, op, values);
                case EXTRA -> extraNumberCheck(lhs, op, values, where);
                case TEXT -> null;
            };
            if (special != null) {
                return special;
            }
        }
        if (NUMERIC_OPS.contains(op) && !op.equals("=") && !op.equals("==") && !op.equals("!=")) {
            throw RuleCompileException.error("operator " + op + " needs a number, got '" + values.get(0) + "'" + where);
        }
        return new Check.OnText(lhs.text(), textOp(op, c.modifier(), values, list, where));
    }

    private static final Set<String> NUMERIC_OPS = Set.of("=", "==", "!=", "<", "<=", ">", ">=");

    private static Check eventTypeCheck(List<String> names, boolean negate) {
        boolean[] ids = new boolean[EventTypes.COUNT];
        List<String> others = new ArrayList<>();
        for (String n : names) {
            int id = EventTypes.id(n);
            if (id == EventTypes.OTHER) {
                others.add(n);
            } else {
                ids[id] = true;
            }
        }
        return new Check.EventTypeIn(ids, others.toArray(String[]::new), negate);
    }

    /** Numeric and boolean fields: a number compare when every constant converts; else null. */
    private static Check numberCheck(Operand lhs, String op, List<String> values) {
        boolean res = lhs.field() == Field.EVT_RES;
        boolean success = false;
        long[] nums = new long[values.size()];
        for (int i = 0; i < nums.length; i++) {
            String v = values.get(i);
            if (res && v.equals("SUCCESS")) {
                success = true;
                nums[i] = 0;
                continue;
            }
            nums[i] = constant(lhs, v);
            if (nums[i] == Chars.NOT_A_NUMBER) {
                return null;
            }
        }
        NumberSource n = lhs.number();
        if (success) {
            // SUCCESS is every value >= 0: the rendering of any non-negative return.
            NumberOp isSuccess = v -> v >= 0;
            NumberOp set = NumberOp.in(nums);
            return switch (op) {
                case "=", "==", "in", "intersects" -> new Check.OnNumber(n, v -> isSuccess.test(v) || set.test(v));
                case "!=" -> new Check.OnNumber(n, v -> !isSuccess.test(v));
                default -> null;
            };
        }
        if (NUMERIC_OPS.contains(op)) {
            return new Check.OnNumber(n, NumberOp.compare(op, nums[0]));
        }
        if (op.equals("in") || op.equals("intersects")) {
            return new Check.OnNumber(n, NumberOp.in(nums));
        }
        boolean enumField = lhs.field() == Field.EVT_ARG_DOMAIN || lhs.field() == Field.EVT_ARG_TYPE
            || lhs.field() == Field.EVT_ARG_CAP;
        if (enumField && op.equals("contains") && !Character.isDigit(values.get(0).charAt(0))) {
            // The rendered value is one name: containing a whole name means being it.
            return new Check.OnNumber(n, NumberOp.compare("=", nums[0]));
        }
        return null;
    }

    /** Extras: numeric order operators read the extra's number. */
    private static Check extraNumberCheck(Operand lhs, String op, List<String> values, String where)
            throws RuleCompileException {
        if (!(op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">="))) {
            return null;
        }
        char[] c = values.get(0).toCharArray();
        long v = Chars.parseLong(c, 0, c.length);
        if (v == Chars.NOT_A_NUMBER) {
            throw RuleCompileException.error("operator " + op + " needs a number, got '" + values.get(0) + "'" + where);
        }
        return new Check.OnNumber(lhs.number(), NumberOp.compare(op, v));
    }

    /** Capability sets as masks: contains/icontains = bit test, =/!= mask, in/intersects. */
    private static Check capsCheck(Operand lhs, String op, List<String> values) {
        long[] masks = new long[values.size()];
        for (int i = 0; i < masks.length; i++) {
            String v = values.get(i).trim();
            int n = Capabilities.number(v);
            masks[i] = n >= 0 ? 1L << n : Capabilities.parseMask(v.toUpperCase(java.util.Locale.ROOT).startsWith("0X")
                ? v : v.toUpperCase(java.util.Locale.ROOT));
            if (masks[i] == Chars.NOT_A_NUMBER) {
                return null;
            }
        }
        NumberSource n = lhs.number();
        long any = 0;
        for (long m : masks) {
            any |= m;
        }
        long all = any;
        return switch (op) {
            case "contains", "icontains" -> new Check.OnNumber(n, v -> (v & all) == all);
            case "=", "==" -> new Check.OnNumber(n, v -> v == masks[0]);
            case "!=" -> new Check.OnNumber(n, v -> v != masks[0]);
            case "in" -> new Check.OnNumber(n, NumberOp.in(masks));
            case "intersects" -> new Check.OnNumber(n, v -> (v & all) != 0);
            default -> null;
        };
    }

    private static TextOp textOp(String op, String modifier, List<String> values, boolean list, String where)
            throws RuleCompileException {
        if (modifier != null) {
            TextOp[] ops = new TextOp[values.size()];
            for (int i = 0; i < ops.length; i++) {
                ops[i] = textOp(op, null, List.of(values.get(i)), false, where);
            }
            return modifier.equals("allof") ? TextOp.allOf(ops) : TextOp.anyOf(ops);
        }
        switch (op) {
            case "in", "intersects":
                return TextOp.in(values);
            case "pmatch":
                return TextOp.pathPrefix(values);
            default:
                break;
        }
        if (list) {
            throw RuleCompileException.error("operator " + op + " takes one value, not a list" + where);
        }
        String v = values.get(0);
        switch (op) {
            case "=", "==":
                return TextOp.equalTo(v);
            case "!=":
                return TextOp.not(TextOp.equalTo(v));
            case "contains":
                return TextOp.contains(v, false);
            case "icontains":
                return TextOp.contains(v, true);
            case "startswith":
                return TextOp.startsWith(v);
            case "endswith":
                return TextOp.endsWith(v);
            case "glob":
                return TextOp.glob(v, false);
            case "iglob":
                return TextOp.glob(v, true);
            case "regex":
                try {
                    return TextOp.regex(v);
                } catch (com.google.re2j.PatternSyntaxException e) {
                    // RE2 syntax, as Falco's: a pattern it rejects (a backreference, lookaround) skips
                    // the rule with the reason; it never stops the others from loading.
                    throw RuleCompileException.skip("regex '" + v + "'" + where + " is not RE2 syntax: "
                        + e.getDescription());
                }
            case "bcontains", "bstartswith": {
                byte[] bytes = hexBytes(v);
                if (bytes == null) {
                    throw RuleCompileException.error("operator " + op + " needs hex bytes, got '" + v + "'" + where);
                }
                return TextOp.bytes(bytes, op.equals("bstartswith"));
            }
            default:
                throw RuleCompileException.error("operator " + op + " is not supported here" + where);
        }
    }

    /** Hex digits as their bytes, or null. */
    private static byte[] hexBytes(String hex) {
        String h = hex.replace(" ", "");
        if (h.length() % 2 != 0) {
            return null;
        }
        byte[] out = new byte[h.length() / 2];
        for (int i = 0; i < h.length(); i += 2) {
            int hi = Character.digit(h.charAt(i), 16);
            int lo = Character.digit(h.charAt(i + 1), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            out[i / 2] = (byte) (hi * 16 + lo);
        }
        return out;
    }

    /** Every field a condition names after expansion (for diagnostics and output_fields). */
    static Set<String> fieldsOf(Ast a) {
        Set<String> out = new LinkedHashSet<>();
        collect(a, out);
        return out;
    }

    private static void collect(Ast a, Set<String> out) {
        if (a instanceof Ast.And x) {
            x.children().forEach(c -> collect(c, out));
        } else if (a instanceof Ast.Or x) {
            x.children().forEach(c -> collect(c, out));
        } else if (a instanceof Ast.Not x) {
            collect(x.child(), out);
        } else if (a instanceof Ast.Compare c && c.field() instanceof Ast.FieldRef f) {
            out.add(f.fullName());
        }
    }
}
