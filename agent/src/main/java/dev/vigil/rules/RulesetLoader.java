package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.alert.Priority;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Loads Falco-format rule files together, in order, later files amending earlier ones, and compiles
 * them into a {@link RuleEngine}.
 *
 * <p>Items: {@code rule}, {@code macro}, {@code list}; {@code required_engine_version} and
 * {@code required_plugin_versions} are read and ignored. Amending: {@code override: {key:
 * append|replace}} and the older {@code append: true}; a rule item with only {@code enabled} switches
 * an earlier rule on or off; a redefinition replaces. {@code exceptions} compile to
 * {@code and not (…)}. Vigil's {@code aggregate} and {@code baseline} keys are read on rules.
 *
 * <p>A rule that names a field, transformer or source the agent cannot supply is skipped with its
 * reason; syntax errors, undefined macros and malformed items are errors. Neither stops the other
 * rules. Thread-safe if used by one caller at a time (the reload path).
 */
public final class RulesetLoader {
    /** The embedded default ruleset, on the classpath. */
    public static final String DEFAULT_RESOURCE = "/rules/vigil_rules.yaml";
    public static final int DEFAULT_MAX_AGGREGATE_KEYS = 10_000;

    private static final Set<String> RULE_KEYS = Set.of("rule", "desc", "condition", "output", "priority", "tags",
        "enabled", "exceptions", "source", "append", "override", "warn_evttypes", "skip-if-unknown-filter",
        "capture", "capture_duration", "aggregate", "baseline");

    private final String hostname;
    private final TimeSource time;
    private final BaselineStore baselines;
    private final int maxAggregateKeys;
    private final Counter aggregateEvicted;

    /**
     * @param hostname  written in every alert
     * @param time      event time (replay) or wall time (live) for windows and learning periods
     * @param baselines learned baselines (outlives reloads); see {@link BaselineStore}
     * @param registry  where {@code vigil.rules.aggregate.keys.evicted} is counted
     */
    public RulesetLoader(String hostname, TimeSource time, BaselineStore baselines, int maxAggregateKeys,
                         MeterRegistry registry) {
        this.hostname = hostname;
        this.time = time;
        this.baselines = baselines;
        this.maxAggregateKeys = maxAggregateKeys;
        this.aggregateEvicted = Counter.builder("vigil.rules.aggregate.keys.evicted")
            .description("aggregate keys evicted because the cap on live keys was reached").register(registry);
    }

    /** A loader for validation only ({@code vigil rules check}): event time, in-memory baselines. */
    public static RulesetLoader forCheck() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        return new RulesetLoader("localhost", TimeSource.eventTime(),
            new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES, r),
            DEFAULT_MAX_AGGREGATE_KEYS, r);
    }

    /** One named source of rule text. */
    public interface RuleSource {
        String name();

        InputStream open() throws IOException;

        static RuleSource of(Path p) {
            return new RuleSource() {
                @Override
                public String name() {
                    return p.toString();
                }

                @Override
                public InputStream open() throws IOException {
                    return Files.newInputStream(p);
                }
            };
        }

        static RuleSource ofString(String name, String text) {
            return new RuleSource() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public InputStream open() {
                    return new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            };
        }

        static RuleSource embeddedDefault() {
            return new RuleSource() {
                @Override
                public String name() {
                    return "embedded:" + DEFAULT_RESOURCE;
                }

                @Override
                public InputStream open() throws IOException {
                    InputStream in = RulesetLoader.class.getResourceAsStream(DEFAULT_RESOURCE);
                    if (in == null) {
                        throw new IOException("the embedded default ruleset is missing from the jar");
                    }
                    return in;
                }
            };
        }
    }

    /**
     * Loads the files (a directory stands for its *.yaml files, sorted) in order, after the embedded
     * default when {@code includeDefault}.
     */
    public LoadResult load(List<Path> files, boolean includeDefault) {
        List<RuleSource> sources = new ArrayList<>();
        if (includeDefault) {
            sources.add(RuleSource.embeddedDefault());
        }
        for (Path p : expand(files)) {
            sources.add(RuleSource.of(p));
        }
        return loadSources(sources);
    }

    /** The files a list of paths stands for: directories expand to their *.yaml / *.yml files. */
    public static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(x -> x.toString().endsWith(".yaml") || x.toString().endsWith(".yml")).sorted().forEach(out::add);
                } catch (IOException e) {
                    out.add(p);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    // ---- definitions as amended file after file ----

    private static final class MacroDef {
        String condition;
        final String file;
        final int line;

        MacroDef(String condition, String file, int line) {
            this.condition = condition;
            this.file = file;
            this.line = line;
        }
    }

    private record ExceptionDef(String name, List<String> fields, boolean singleField, List<String> comps,
                                List<JsonNode> values) {
    }

    private static final class RuleDef {
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

    public LoadResult loadSources(List<RuleSource> sources) {
        List<Problem> problems = new ArrayList<>();
        Map<String, List<String>> lists = new LinkedHashMap<>();
        Map<String, MacroDef> macros = new LinkedHashMap<>();
        Map<String, RuleDef> rules = new LinkedHashMap<>();
        for (RuleSource s : sources) {
            List<RuleFileReader.Item> items;
            try (InputStream in = s.open()) {
                items = RuleFileReader.read(s.name(), in, problems);
            } catch (IOException e) {
                problems.add(new Problem(s.name(), 0, Problem.Kind.ERROR, "cannot read: " + e.getMessage()));
                continue;
            }
            for (RuleFileReader.Item item : items) {
                try {
                    apply(item, lists, macros, rules, problems);
                } catch (ItemException e) {
                    problems.add(new Problem(item.file(), item.line(), Problem.Kind.ERROR, e.getMessage()));
                }
            }
        }
        return compile(lists, macros, rules, problems);
    }

    private static final class ItemException extends Exception {
        ItemException(String m) {
            super(m);
        }
    }

    private void apply(RuleFileReader.Item item, Map<String, List<String>> lists, Map<String, MacroDef> macros,
                       Map<String, RuleDef> rules, List<Problem> problems) throws ItemException {
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
            if (mode != null) {
                List<String> old = lists.get(name);
                if (old == null) {
                    throw new ItemException("list '" + name + "' has no earlier definition to " + mode);
                }
                if (mode.equals("append")) {
                    List<String> merged = new ArrayList<>(old);
                    merged.addAll(items);
                    lists.put(name, merged);
                } else {
                    lists.put(name, items);
                }
            } else {
                if (it == null) {
                    throw new ItemException("list '" + name + "' has no items");
                }
                lists.put(name, items);
            }
            return;
        }
        if (n.has("macro")) {
            String name = text(n, "macro");
            String cond = text(n, "condition");
            String mode = append ? "append" : override.get("condition");
            if (mode != null) {
                MacroDef old = macros.get(name);
                if (old == null) {
                    throw new ItemException("macro '" + name + "' has no earlier definition to " + mode);
                }
                old.condition = mode.equals("append") ? old.condition + " " + cond : cond;
            } else {
                macros.put(name, new MacroDef(cond, item.file(), item.line()));
            }
            return;
        }
        if (n.has("rule")) {
            applyRule(item, n, override, append, rules, problems);
            return;
        }
        throw new ItemException("unknown item: expected rule, macro, list or required_engine_version");
    }

    private void applyRule(RuleFileReader.Item item, JsonNode n, Map<String, String> override, boolean append,
                           Map<String, RuleDef> rules, List<Problem> problems) throws ItemException {
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
            for (ExceptionDef e : r.exceptions) {
                if (e.fields() == null) {
                    throw new ItemException("rule '" + name + "': exception '" + e.name() + "' needs fields");
                }
            }
        }
        r.aggregate = n.get("aggregate");
        r.baseline = n.get("baseline");
        rules.put(name, r); // a redefinition replaces, keeping the first position
    }

    private void amend(RuleDef r, JsonNode n, String key, boolean append, String name) throws ItemException {
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
                if (!append) {
                    for (ExceptionDef e : ex) {
                        if (e.fields() == null) {
                            throw new ItemException("rule '" + name + "': exception '" + e.name() + "' needs fields");
                        }
                    }
                    r.exceptions = ex;
                    break;
                }
                for (ExceptionDef e : ex) {
                    int at = -1;
                    for (int i = 0; i < r.exceptions.size(); i++) {
                        if (r.exceptions.get(i).name().equals(e.name())) {
                            at = i;
                        }
                    }
                    if (at < 0) {
                        if (e.fields() == null) {
                            throw new ItemException("rule '" + name + "': exception '" + e.name() + "' needs fields");
                        }
                        r.exceptions.add(e);
                    } else {
                        ExceptionDef o = r.exceptions.get(at);
                        List<JsonNode> v = new ArrayList<>(o.values());
                        v.addAll(e.values());
                        r.exceptions.set(at, new ExceptionDef(o.name(), o.fields(), o.singleField(), o.comps(), v));
                    }
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
            case "warn_evttypes", "skip-if-unknown-filter", "source" -> {
                if (key.equals("source")) {
                    r.source = text(n, key);
                }
            }
            default -> throw new ItemException("rule '" + name + "': cannot override '" + key + "'");
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

    private static List<String> strings(JsonNode n, String key) throws ItemException {
        if (n == null || !n.isArray()) {
            throw new ItemException("'" + key + "' must be a list");
        }
        List<String> out = new ArrayList<>();
        n.forEach(x -> out.add(x.asText()));
        return out;
    }

    // ---- compilation ----

    private LoadResult compile(Map<String, List<String>> lists, Map<String, MacroDef> macros,
                               Map<String, RuleDef> rules, List<Problem> problems) {
        Map<String, String> macroText = new LinkedHashMap<>();
        macros.forEach((k, v) -> macroText.put(k, v.condition));
        ConditionCompiler compiler = new ConditionCompiler(macroText, lists);
        for (Map.Entry<String, MacroDef> m : macros.entrySet()) {
            if (compiler.parsedMacro(m.getKey()) instanceof ConditionSyntaxException e) {
                problems.add(new Problem(m.getValue().file, m.getValue().line, Problem.Kind.ERROR,
                    "macro '" + m.getKey() + "': syntax error at " + e.getMessage()));
            }
        }
        List<CompiledRule> compiled = new ArrayList<>();
        int skipped = 0;
        int disabled = 0;
        for (RuleDef r : rules.values()) {
            try {
                CompiledRule c = compileRule(r, compiler);
                if (!r.enabled) {
                    disabled++;
                } else {
                    compiled.add(c);
                }
            } catch (RuleCompileException e) {
                if (!r.enabled) {
                    disabled++;
                    if (!e.skip()) {
                        problems.add(new Problem(r.file, r.line, Problem.Kind.ERROR, "rule '" + r.name + "': " + e.getMessage()));
                    }
                } else if (e.skip()) {
                    skipped++;
                    problems.add(new Problem(r.file, r.line, Problem.Kind.SKIPPED, "rule '" + r.name + "': " + e.getMessage()));
                } else {
                    problems.add(new Problem(r.file, r.line, Problem.Kind.ERROR, "rule '" + r.name + "': " + e.getMessage()));
                }
            }
        }
        int errors = (int) problems.stream().filter(p -> p.kind() == Problem.Kind.ERROR).count();
        RuleEngine engine = new RuleEngine(compiled, hostname, time, baselines, compiler.extras(),
            RuleEngine.TRUSTED_LISTS.stream().flatMap(l -> lists.getOrDefault(l, List.of()).stream()).toList());
        return new LoadResult(problems, compiled.size(), skipped, disabled, errors, engine);
    }

    private CompiledRule compileRule(RuleDef r, ConditionCompiler compiler) throws RuleCompileException {
        if (!r.source.equals("syscall")) {
            throw RuleCompileException.skip("source '" + r.source + "' is not syscall");
        }
        Priority priority;
        try {
            priority = Priority.parse(r.priority);
        } catch (IllegalArgumentException e) {
            throw RuleCompileException.error("invalid priority '" + r.priority + "'");
        }
        Ast cond;
        try {
            cond = ConditionParser.parse(r.condition);
        } catch (ConditionSyntaxException e) {
            throw RuleCompileException.error("syntax error at " + e.getMessage());
        }
        List<Ast> excepted = new ArrayList<>();
        for (ExceptionDef ex : r.exceptions) {
            Ast a = exceptionAst(ex);
            if (a != null) {
                excepted.add(a);
            }
        }
        if (!excepted.isEmpty()) {
            cond = new Ast.And(List.of(cond, new Ast.Not(excepted.size() == 1 ? excepted.get(0) : new Ast.Or(excepted))));
        }
        ConditionCompiler.Compiled c = compiler.compile(cond);
        Aggregator agg = null;
        List<String> extraOutput = new ArrayList<>();
        if (r.aggregate != null && !r.aggregate.isNull()) {
            JsonNode a = r.aggregate;
            List<String> by;
            try {
                by = a.has("by") ? strings(a.get("by"), "aggregate.by") : List.of();
            } catch (ItemException e) {
                throw RuleCompileException.error(e.getMessage());
            }
            checkFields(by, "aggregate.by");
            long window = duration(a.path("window").asText(""), "aggregate.window");
            int count = a.path("count").asInt(0);
            if (count < 1) {
                throw RuleCompileException.error("aggregate.count must be a positive integer");
            }
            agg = new Aggregator(by, window, count, maxAggregateKeys, aggregateEvicted);
            extraOutput.add(OutputField.AGGREGATE_COUNT);
            extraOutput.addAll(by);
        }
        CompiledRule.BaselineSpec base = null;
        if (r.baseline != null && !r.baseline.isNull()) {
            List<String> key;
            try {
                key = strings(r.baseline.get("key"), "baseline.key");
            } catch (ItemException e) {
                throw RuleCompileException.error(e.getMessage());
            }
            if (key.isEmpty()) {
                throw RuleCompileException.error("baseline.key needs at least one field");
            }
            checkFields(key, "baseline.key");
            long learn = duration(r.baseline.path("learn").asText(""), "baseline.learn");
            base = new CompiledRule.BaselineSpec(key.stream().map(OutputField::of).toList(), learn);
            extraOutput.addAll(key);
        }
        OutputFormat out = OutputFormat.compile(r.output, extraOutput);
        return new CompiledRule(r.name, priority, r.tags, c.check(), c.types(), out, agg, base);
    }

    private static void checkFields(List<String> fields, String key) throws RuleCompileException {
        for (String f : fields) {
            try {
                Ast a = ConditionParser.parse(f + " exists");
                Ast.Compare cmp = (Ast.Compare) a;
                if (FieldCatalog.resolve((Ast.FieldRef) cmp.field()) == null) {
                    throw RuleCompileException.skip("unknown field " + f + " in " + key);
                }
            } catch (ConditionSyntaxException | ClassCastException e) {
                throw RuleCompileException.error("invalid field '" + f + "' in " + key);
            }
        }
    }

    /** Exceptions as in Falco: {@code (f1 c1 v1 and f2 c2 v2) or (…)} for the tuples of values. */
    private static Ast exceptionAst(ExceptionDef ex) throws RuleCompileException {
        if (ex.values().isEmpty()) {
            return null;
        }
        List<Ast.Value> fields = new ArrayList<>();
        for (String f : ex.fields()) {
            try {
                fields.add(((Ast.Compare) ConditionParser.parse(f + " exists")).field());
            } catch (ConditionSyntaxException | ClassCastException e) {
                throw RuleCompileException.error("exception '" + ex.name() + "': invalid field '" + f + "'");
            }
        }
        if (ex.singleField()) {
            List<Ast.Scalar> items = new ArrayList<>();
            ex.values().forEach(v -> items.add(ConditionCompiler.listItem(v.asText())));
            return new Ast.Compare(fields.get(0), ex.comps().get(0), null, new Ast.ListValue(items), 1, 1);
        }
        List<Ast> tuples = new ArrayList<>();
        for (JsonNode tuple : ex.values()) {
            if (!tuple.isArray() || tuple.size() != fields.size()) {
                throw RuleCompileException.error("exception '" + ex.name() + "': each value must be a list of "
                    + fields.size() + " items");
            }
            List<Ast> and = new ArrayList<>();
            for (int i = 0; i < fields.size(); i++) {
                String comp = ex.comps().get(i);
                JsonNode v = tuple.get(i);
                Ast.Operand operand;
                boolean listOp = comp.equals("in") || comp.equals("intersects") || comp.equals("pmatch");
                if (v.isArray() || listOp) {
                    List<Ast.Scalar> items = new ArrayList<>();
                    if (v.isArray()) {
                        v.forEach(x -> items.add(ConditionCompiler.listItem(x.asText())));
                    } else {
                        items.add(ConditionCompiler.listItem(v.asText()));
                    }
                    operand = new Ast.ListValue(items);
                } else {
                    Ast.Scalar s = ConditionCompiler.listItem(v.asText());
                    operand = new Ast.Scalar(s.text(), true);
                }
                and.add(new Ast.Compare(fields.get(i), comp, null, operand, 1, 1));
            }
            tuples.add(and.size() == 1 ? and.get(0) : new Ast.And(and));
        }
        return tuples.size() == 1 ? tuples.get(0) : new Ast.Or(tuples);
    }

    /** {@code 500ms}, {@code 1s}, {@code 10m}, {@code 2h}, {@code 1d} (also ns, us) as nanoseconds. */
    static long duration(String s, String key) throws RuleCompileException {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
            i++;
        }
        if (i == 0) {
            throw RuleCompileException.error(key + " must be a duration such as 1s or 10m, not '" + s + "'");
        }
        double v = Double.parseDouble(t.substring(0, i));
        long unit = switch (t.substring(i).trim()) {
            case "ns" -> 1L;
            case "us" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s", "" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            case "h" -> 3_600_000_000_000L;
            case "d" -> 86_400_000_000_000L;
            default -> throw RuleCompileException.error(key + " has an unknown unit in '" + s + "'");
        };
        long ns = (long) (v * unit);
        if (ns <= 0) {
            throw RuleCompileException.error(key + " must be positive");
        }
        return ns;
    }
}
