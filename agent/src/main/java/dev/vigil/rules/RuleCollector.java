package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The second step of loading rules: takes the items the {@link RuleFileReader} read, in load order,
 * and merges them into one set of definitions — lists, macros and rules — as Falco's collector does.
 *
 * <p>Contract, per item kind:
 * <ul>
 *   <li><b>define</b>: a {@code list}, {@code macro} or {@code rule} item with a name not seen yet
 *       adds it; a full redefinition of a name replaces the earlier one (a rule keeps its first place
 *       in the load order).</li>
 *   <li><b>append</b>: {@code append: true} (Falco's older form) appends to every key the item gives
 *       (a list's {@code items}, a macro's or rule's {@code condition}, a rule's {@code exceptions},
 *       {@code output}, {@code desc}, {@code tags}).</li>
 *   <li><b>override</b>: {@code override: {key: append|replace}} appends to or replaces each key named;
 *       an exception given again by name gets the new values appended.</li>
 *   <li><b>enabled</b>: a rule item with {@code enabled} and no {@code condition} switches an earlier
 *       rule on or off.</li>
 * </ul>
 * {@code required_engine_version} and {@code required_plugin_versions} items are read and ignored.
 * Amending a name that has no earlier definition, a malformed item, or a bad override is an
 * {@link Problem.Kind#ERROR} at the item's file and line; an unknown rule key is a
 * {@link Problem.Kind#WARNING}. Neither stops the other items. Conditions are kept as text: parsing,
 * macro resolution and compiling come after ({@link MacroResolver}, {@link RuleCompiler}).
 *
 * <p>Not thread-safe; one per load.
 */
final class RuleCollector {
    private static final Set<String> RULE_KEYS = Set.of("rule", "desc", "condition", "output", "priority", "tags",
        "enabled", "exceptions", "source", "append", "override", "warn_evttypes", "skip-if-unknown-filter",
        "capture", "capture_duration", "aggregate", "baseline");

    /** A list as amended so far, with where it was first defined. */
    static final class ListDef {
        List<String> items;
        final String file;
        final int line;

        ListDef(List<String> items, String file, int line) {
            this.items = items;
            this.file = file;
            this.line = line;
        }
    }

    /** A macro as amended so far, with where it was defined. */
    static final class MacroDef {
        String condition;
        final String file;
        final int line;

        MacroDef(String condition, String file, int line) {
            this.condition = condition;
            this.file = file;
            this.line = line;
        }
    }

    /**
     * One exception of a rule. {@code fields} is null for an entry that only adds values to an
     * exception of the same name defined earlier.
     */
    record ExceptionDef(String name, List<String> fields, boolean singleField, List<String> comps,
                        List<JsonNode> values) {
    }

    /** A rule as amended so far, with where it was defined. */
    static final class RuleDef {
        String name;
        String file;
        int line;
        String desc = "";
        String condition;
        String output;
        String priority;
        List<String> tags = new ArrayList<>();
        boolean enabled = true;
        List<ExceptionDef> exceptions = new ArrayList<>();
        String source = "syscall";
        JsonNode aggregate;
        JsonNode baseline;
    }

    private final List<Problem> problems;
    private final Map<String, ListDef> lists = new LinkedHashMap<>();
    private final Map<String, MacroDef> macros = new LinkedHashMap<>();
    private final Map<String, RuleDef> rules = new LinkedHashMap<>();

    /** @param problems where errors and warnings are added, in item order */
    RuleCollector(List<Problem> problems) {
        this.problems = problems;
    }

    /** Lists by name, in definition order. */
    Map<String, ListDef> lists() {
        return lists;
    }

    /** Macros by name, in definition order. */
    Map<String, MacroDef> macros() {
        return macros;
    }

    /** Rules by name, in load order. */
    Map<String, RuleDef> rules() {
        return rules;
    }

    /** Merges one item into the definitions; a problem with it is recorded, never thrown. */
    void collect(RuleFileReader.Item item) {
        try {
            apply(item);
        } catch (ItemException e) {
            problems.add(new Problem(item.file(), item.line(), Problem.Kind.ERROR, e.getMessage()));
        }
    }

    /** A malformed item or an amendment that cannot apply; the message names the item. */
    static final class ItemException extends Exception {
        ItemException(String m) {
            super(m);
        }
    }

    private void apply(RuleFileReader.Item item) throws ItemException {
        JsonNode n = item.node();
        if (!n.isObject()) {
            throw new ItemException("an item must be a mapping with rule, macro or list");
        }
        if (n.has("required_engine_version") || n.has("required_plugin_versions")) {
            return;
        }
        Map<String, String> override = overrides(n);
        boolean append = n.path("append").asBoolean(false);
        if (n.has("list")) {
            collectList(item, n, override, append);
        } else if (n.has("macro")) {
            collectMacro(item, n, override, append);
        } else if (n.has("rule")) {
            collectRule(item, n, override, append);
        } else {
            throw new ItemException("unknown item: expected rule, macro, list or required_engine_version");
        }
    }

    private void collectList(RuleFileReader.Item item, JsonNode n, Map<String, String> override, boolean append)
            throws ItemException {
        String name = text(n, "list");
        List<String> items = new ArrayList<>();
        JsonNode it = n.get("items");
        if (it != null && !it.isNull()) {
            if (!it.isArray()) {
                throw new ItemException("list '" + name + "': items must be a list");
            }
            it.forEach(x -> items.add(x.asText()));
        }
        String mode = append ? "append" : override.get("items");
        if (mode == null) {
            if (it == null) {
                throw new ItemException("list '" + name + "' has no items");
            }
            lists.put(name, new ListDef(items, item.file(), item.line()));
            return;
        }
        ListDef old = lists.get(name);
        if (old == null) {
            throw new ItemException("list '" + name + "' has no earlier definition to " + mode);
        }
        if (mode.equals("append")) {
            List<String> merged = new ArrayList<>(old.items);
            merged.addAll(items);
            old.items = merged;
        } else {
            old.items = items;
        }
    }

    private void collectMacro(RuleFileReader.Item item, JsonNode n, Map<String, String> override, boolean append)
            throws ItemException {
        String name = text(n, "macro");
        String cond = text(n, "condition");
        String mode = append ? "append" : override.get("condition");
        if (mode == null) {
            macros.put(name, new MacroDef(cond, item.file(), item.line()));
            return;
        }
        MacroDef old = macros.get(name);
        if (old == null) {
            throw new ItemException("macro '" + name + "' has no earlier definition to " + mode);
        }
        old.condition = mode.equals("append") ? old.condition + " " + cond : cond;
    }

    private void collectRule(RuleFileReader.Item item, JsonNode n, Map<String, String> override, boolean append)
            throws ItemException {
        String name = text(n, "rule");
        n.fieldNames().forEachRemaining(k -> {
            if (!RULE_KEYS.contains(k)) {
                problems.add(new Problem(item.file(), item.line(), Problem.Kind.WARNING,
                    "rule '" + name + "': unknown key '" + k + "' ignored"));
            }
        });
        RuleDef old = rules.get(name);
        if (!override.isEmpty() || append) {
            if (old == null) {
                throw new ItemException("rule '" + name + "' has no earlier definition to amend");
            }
            Map<String, String> modes = new LinkedHashMap<>(override);
            if (append) {
                for (String k : List.of("condition", "exceptions", "output", "desc", "tags")) {
                    if (n.has(k)) {
                        modes.put(k, "append");
                    }
                }
            }
            for (Map.Entry<String, String> m : modes.entrySet()) {
                amend(old, n, m.getKey(), m.getValue().equals("append"), name);
            }
            return;
        }
        if (!n.has("condition") && n.has("enabled")) {
            if (old == null) {
                throw new ItemException("rule '" + name + "': enabled given for a rule not defined earlier");
            }
            old.enabled = n.get("enabled").asBoolean(true);
            return;
        }
        RuleDef r = new RuleDef();
        r.name = name;
        r.file = item.file();
        r.line = item.line();
        r.condition = text(n, "condition");
        r.output = text(n, "output");
        r.priority = text(n, "priority");
        r.desc = n.path("desc").asText("");
        if (n.has("tags")) {
            r.tags = strings(n.get("tags"), "tags");
        }
        r.enabled = n.path("enabled").asBoolean(true);
        r.source = n.path("source").asText("syscall");
        if (n.has("exceptions")) {
            r.exceptions = exceptions(n.get("exceptions"), name);
            requireFields(r.exceptions, name);
        }
        r.aggregate = n.get("aggregate");
        r.baseline = n.get("baseline");
        rules.put(name, r); // a redefinition replaces, keeping the first position
    }

    private static void amend(RuleDef r, JsonNode n, String key, boolean append, String name) throws ItemException {
        if (!n.has(key)) {
            throw new ItemException("rule '" + name + "': override of '" + key + "' but no '" + key + "' given");
        }
        switch (key) {
            case "condition" -> r.condition = append ? r.condition + " " + text(n, key) : text(n, key);
            case "output" -> r.output = append ? r.output + " " + text(n, key) : text(n, key);
            case "desc" -> r.desc = append ? r.desc + " " + text(n, key) : text(n, key);
            case "tags" -> {
                List<String> t = strings(n.get("tags"), "tags");
                if (append) {
                    t.stream().filter(x -> !r.tags.contains(x)).forEach(r.tags::add);
                } else {
                    r.tags = t;
                }
            }
            case "exceptions" -> {
                List<ExceptionDef> ex = exceptions(n.get("exceptions"), name);
                if (append) {
                    appendExceptions(r, ex, name);
                } else {
                    requireFields(ex, name);
                    r.exceptions = ex;
                }
            }
            case "priority" -> {
                if (append) {
                    throw new ItemException("rule '" + name + "': priority can only be replaced");
                }
                r.priority = text(n, key);
            }
            case "enabled" -> {
                if (append) {
                    throw new ItemException("rule '" + name + "': enabled can only be replaced");
                }
                r.enabled = n.get(key).asBoolean(true);
            }
            case "aggregate" -> r.aggregate = n.get(key);
            case "baseline" -> r.baseline = n.get(key);
            case "source" -> r.source = text(n, key);
            case "warn_evttypes", "skip-if-unknown-filter" -> {
                // accepted for Falco compatibility; they change nothing here
            }
            default -> throw new ItemException("rule '" + name + "': cannot override '" + key + "'");
        }
    }

    /** Appended exceptions: a new name is added (it needs fields); a known name gets the values appended. */
    private static void appendExceptions(RuleDef r, List<ExceptionDef> ex, String rule) throws ItemException {
        for (ExceptionDef e : ex) {
            int at = -1;
            for (int i = 0; i < r.exceptions.size(); i++) {
                if (r.exceptions.get(i).name().equals(e.name())) {
                    at = i;
                }
            }
            if (at < 0) {
                requireFields(List.of(e), rule);
                r.exceptions.add(e);
            } else {
                ExceptionDef o = r.exceptions.get(at);
                List<JsonNode> v = new ArrayList<>(o.values());
                v.addAll(e.values());
                r.exceptions.set(at, new ExceptionDef(o.name(), o.fields(), o.singleField(), o.comps(), v));
            }
        }
    }

    private static void requireFields(List<ExceptionDef> ex, String rule) throws ItemException {
        for (ExceptionDef e : ex) {
            if (e.fields() == null) {
                throw new ItemException("rule '" + rule + "': exception '" + e.name() + "' needs fields");
            }
        }
    }

    private static Map<String, String> overrides(JsonNode n) throws ItemException {
        Map<String, String> m = new LinkedHashMap<>();
        JsonNode o = n.get("override");
        if (o == null) {
            return m;
        }
        if (!o.isObject()) {
            throw new ItemException("override must be a mapping of key: append|replace");
        }
        var it = o.fields();
        while (it.hasNext()) {
            var e = it.next();
            String v = e.getValue().asText();
            if (!v.equals("append") && !v.equals("replace")) {
                throw new ItemException("override of '" + e.getKey() + "' must be append or replace, not '" + v + "'");
            }
            m.put(e.getKey(), v);
        }
        return m;
    }

    private static List<ExceptionDef> exceptions(JsonNode n, String rule) throws ItemException {
        List<ExceptionDef> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw new ItemException("rule '" + rule + "': exceptions must be a list");
        }
        for (JsonNode e : n) {
            String name = e.path("name").asText(null);
            if (name == null) {
                throw new ItemException("rule '" + rule + "': an exception needs a name");
            }
            JsonNode f = e.get("fields");
            List<JsonNode> values = new ArrayList<>();
            JsonNode v = e.get("values");
            if (v != null && v.isArray()) {
                v.forEach(values::add);
            }
            if (f == null) {
                out.add(new ExceptionDef(name, null, false, null, values)); // values for an earlier exception
                continue;
            }
            boolean single = !f.isArray();
            List<String> fields = single ? List.of(f.asText()) : strings(f, "fields");
            JsonNode c = e.get("comps");
            List<String> comps;
            if (c == null) {
                comps = new ArrayList<>();
                fields.forEach(x -> comps.add(single ? "in" : "="));
            } else {
                comps = c.isArray() ? strings(c, "comps") : List.of(c.asText());
            }
            if (comps.size() != fields.size()) {
                throw new ItemException("rule '" + rule + "': exception '" + name + "' has " + fields.size()
                    + " fields but " + comps.size() + " comps");
            }
            out.add(new ExceptionDef(name, fields, single, comps, values));
        }
        return out;
    }

    private static String text(JsonNode n, String key) throws ItemException {
        JsonNode v = n.get(key);
        if (v == null || v.isNull() || v.isContainerNode()) {
            String what = n.has("rule") ? "rule '" + n.path("rule").asText() + "'"
                : n.has("macro") ? "macro '" + n.path("macro").asText() + "'"
                : n.has("list") ? "list '" + n.path("list").asText() + "'" : "item";
            throw new ItemException(what + ": missing or invalid '" + key + "'");
        }
        return v.asText();
    }

    /** A YAML sequence as its items' text. */
    static List<String> strings(JsonNode n, String key) throws ItemException {
        if (n == null || !n.isArray()) {
            throw new ItemException("'" + key + "' must be a list");
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }
}
