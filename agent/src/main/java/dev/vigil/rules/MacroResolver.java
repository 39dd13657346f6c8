package dev.vigil.rules;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The third step of loading rules: expands a condition's macro references into the macros' parsed
 * conditions and its list references into their items, recursively, so that what reaches
 * {@link ConditionCompiler} names only fields, operators and constants.
 *
 * <p>Contract: {@link #resolve} returns a new tree (the input is not changed) or throws a
 * {@link RuleCompileException} (an error, never a skip) for an undefined macro (with its line and
 * column in the condition), a macro with a syntax error, a macro or list that refers to itself (the
 * chain of names and where the first of them is defined, {@code file:line}), or an expansion nesting
 * deeper than {@link #MAX_EXPANDED_DEPTH} (the macro being expanded and its
 * {@code file:line}). A list item that names a defined list is replaced by that list's items; a
 * quoted item never is. {@link #macroProblems} reports every macro whose own text does not parse,
 * used by a rule or not. Each macro is parsed once (cached). Not thread-safe; one per ruleset load.
 */
final class MacroResolver {
    /**
     * Deepest nesting an expanded condition may reach (macro references and and/or/not levels): three
     * times what one condition may nest. Each level is two frames here and more in the compiler after:
     * ten times (as before) overflowed the stack of an instrumented test JVM before the check was reached.
     */
    static final int MAX_EXPANDED_DEPTH = 3 * ConditionParser.MAX_DEPTH;

    /** A macro's text and where it was defined. */
    record MacroText(String condition, String file, int line) {
    }

    /** A list's raw items (as written in YAML) and where it was defined. */
    record ListItems(List<String> items, String file, int line) {
    }

    private static final int MAX_LIST_DEPTH = 100;

    private final Map<String, MacroText> macros;
    private final Map<String, ListItems> lists;
    private final Map<String, Object> parsed = new HashMap<>();

    MacroResolver(Map<String, MacroText> macros, Map<String, ListItems> lists) {
        this.macros = macros;
        this.lists = lists;
    }

    /** Macros and lists given as bare text (no file): for a condition compiled alone. */
    static MacroResolver ofText(Map<String, String> macros, Map<String, List<String>> lists) {
        Map<String, MacroText> m = new LinkedHashMap<>();
        macros.forEach((k, v) -> m.put(k, new MacroText(v, "<inline>", 0)));
        Map<String, ListItems> l = new LinkedHashMap<>();
        lists.forEach((k, v) -> l.put(k, new ListItems(v, "<inline>", 0)));
        return new MacroResolver(m, l);
    }

    /** The collector's definitions, as they stand after every file was collected. */
    static MacroResolver of(RuleCollector c) {
        Map<String, MacroText> m = new LinkedHashMap<>();
        c.macros().forEach((k, v) -> m.put(k, new MacroText(v.condition, v.file, v.line)));
        Map<String, ListItems> l = new LinkedHashMap<>();
        c.lists().forEach((k, v) -> l.put(k, new ListItems(v.items, v.file, v.line)));
        return new MacroResolver(m, l);
    }

    /**
     * Every list as the conditions see it, by name in definition order: a nested list's items in its place,
     * quotes taken off. A list that refers to itself is left out (a rule that uses it is an error already).
     */
    Map<String, List<String>> expandedLists() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (String name : lists.keySet()) {
            List<Ast.Scalar> items = new ArrayList<>();
            try {
                expandItem(new Ast.Scalar(name, false), items, new ArrayList<>());
            } catch (RuleCompileException e) {
                continue;
            }
            out.put(name, items.stream().map(Ast.Scalar::text).toList());
        }
        return out;
    }

    /** One error per macro whose condition does not parse, at the macro's file and line, in definition order. */
    List<Problem> macroProblems() {
        List<Problem> out = new ArrayList<>();
        for (Map.Entry<String, MacroText> m : macros.entrySet()) {
            if (parsedMacro(m.getKey()) instanceof ConditionSyntaxException e) {
                out.add(new Problem(m.getValue().file(), m.getValue().line(), Problem.Kind.ERROR,
                    "macro '" + m.getKey() + "': syntax error at " + e.getMessage()));
            }
        }
        return out;
    }

    /** The condition with every macro and list reference expanded. */
    Ast resolve(Ast condition) throws RuleCompileException {
        return expand(condition, new ArrayList<>(), 0);
    }

    /** The parse of a macro's condition (cached), or the syntax error it has. */
    private Object parsedMacro(String name) {
        return parsed.computeIfAbsent(name, n -> {
            try {
                return ConditionParser.parse(macros.get(n).condition());
            } catch (ConditionSyntaxException e) {
                return e;
            }
        });
    }

    private Ast expand(Ast a, List<String> stack, int depth) throws RuleCompileException {
        if (depth > MAX_EXPANDED_DEPTH) {
            String in = stack.isEmpty() ? "" : " in macro '" + stack.get(stack.size() - 1) + "' ("
                + where(macros.get(stack.get(stack.size() - 1))) + ")";
            throw RuleCompileException.error("condition nests too deep after macro expansion" + in);
        }
        if (a instanceof Ast.MacroRef m) {
            return expandMacro(m, stack, depth);
        }
        if (a instanceof Ast.And and) {
            List<Ast> c = new ArrayList<>();
            for (Ast x : and.children()) {
                c.add(expand(x, stack, depth + 1));
            }
            return new Ast.And(c);
        }
        if (a instanceof Ast.Or or) {
            List<Ast> c = new ArrayList<>();
            for (Ast x : or.children()) {
                c.add(expand(x, stack, depth + 1));
            }
            return new Ast.Or(c);
        }
        if (a instanceof Ast.Not n) {
            return new Ast.Not(expand(n.child(), stack, depth + 1));
        }
        Ast.Compare c = (Ast.Compare) a;
        if (c.value() instanceof Ast.ListValue lv) {
            List<Ast.Scalar> items = new ArrayList<>();
            for (Ast.Scalar s : lv.items()) {
                expandItem(s, items, new ArrayList<>());
            }
            return new Ast.Compare(c.field(), c.op(), c.modifier(), new Ast.ListValue(items), c.line(), c.column());
        }
        return c;
    }

    private Ast expandMacro(Ast.MacroRef m, List<String> stack, int depth) throws RuleCompileException {
        MacroText def = macros.get(m.name());
        if (def == null) {
            throw RuleCompileException.error("undefined macro '" + m.name() + "' at " + m.line() + ":" + m.column());
        }
        if (stack.contains(m.name())) {
            List<String> chain = new ArrayList<>(stack.subList(stack.indexOf(m.name()), stack.size()));
            chain.add(m.name());
            throw RuleCompileException.error("macro '" + m.name() + "' refers to itself: "
                + String.join(" -> ", chain) + " (defined at " + where(def) + ")");
        }
        Object p = parsedMacro(m.name());
        if (p instanceof ConditionSyntaxException e) {
            throw RuleCompileException.error("macro '" + m.name() + "' (" + where(def) + ") has a syntax error at "
                + e.getMessage());
        }
        stack.add(m.name());
        Ast r = expand((Ast) p, stack, depth + 1);
        stack.remove(stack.size() - 1);
        return r;
    }

    private void expandItem(Ast.Scalar s, List<Ast.Scalar> out, List<String> stack) throws RuleCompileException {
        ListItems def = s.quoted() ? null : lists.get(s.text());
        if (def == null) {
            out.add(s);
            return;
        }
        if (stack.contains(s.text()) || stack.size() > MAX_LIST_DEPTH) {
            List<String> chain = new ArrayList<>(stack);
            chain.add(s.text());
            throw RuleCompileException.error("list '" + s.text() + "' refers to itself: " + String.join(" -> ", chain)
                + " (defined at " + def.file() + ":" + def.line() + ")");
        }
        stack.add(s.text());
        for (String raw : def.items()) {
            expandItem(listItem(raw), out, stack);
        }
        stack.remove(stack.size() - 1);
    }

    private static String where(MacroText m) {
        return m.file() + ":" + m.line();
    }

    /** A list item as written in YAML: '"(x)"' is the quoted string (x); others are bare. */
    static Ast.Scalar listItem(String raw) {
        String t = raw.trim();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            try {
                Ast a = ConditionParser.parse("x.y = " + t);
                if (a instanceof Ast.Compare c && c.value() instanceof Ast.Scalar s) {
                    return s;
                }
            } catch (ConditionSyntaxException e) {
                // not a well-formed quoted string: keep the text as it is
            }
            return new Ast.Scalar(t.substring(1, t.length() - 1), true);
        }
        return new Ast.Scalar(t, false);
    }
}
