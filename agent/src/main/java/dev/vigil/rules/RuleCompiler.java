package dev.vigil.rules;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.alert.Priority;
import io.micrometer.core.instrument.Counter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Compiles the rules a {@link RuleCollector} gathered into a {@link RuleEngine}: for each rule, its
 * condition parsed ({@link ConditionParser}), its exceptions added as {@code and not (…)}, macros and
 * lists expanded ({@link MacroResolver}) and the result compiled ({@link ConditionCompiler}); its
 * priority, output, and Vigil's {@code aggregate} and {@code baseline} keys checked and built.
 *
 * <p>Contract: every macro that does not parse is an error at the macro's {@code file:line}; a rule
 * that names a field, transformer or source the agent cannot supply is skipped with its reason at the
 * rule's {@code file:line}; any other failure is an error there. None stops the other rules; a
 * disabled rule counts as disabled and reports only errors. Problems are appended in that order (the
 * macros', then the rules' in load order). Not thread-safe; one per load.
 */
final class RuleCompiler {
    private final String hostname;
    private final TimeSource time;
    private final BaselineStore baselines;
    private final int maxAggregateKeys;
    private final Counter aggregateEvicted;

    RuleCompiler(String hostname, TimeSource time, BaselineStore baselines, int maxAggregateKeys,
                 Counter aggregateEvicted) {
        this.hostname = hostname;
        this.time = time;
        this.baselines = baselines;
        this.maxAggregateKeys = maxAggregateKeys;
        this.aggregateEvicted = aggregateEvicted;
    }

    /** The engine of the collected rules, with {@code problems} (what came before, then this step's) and the counts. */
    LoadResult compile(RuleCollector collected, List<Problem> problems) {
        MacroResolver macros = MacroResolver.of(collected);
        problems.addAll(macros.macroProblems());
        ConditionCompiler compiler = new ConditionCompiler(macros);
        List<CompiledRule> compiled = new ArrayList<>();
        int skipped = 0;
        int disabled = 0;
        for (RuleCollector.RuleDef r : collected.rules().values()) {
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
        Map<String, List<String>> lists = macros.expandedLists();
        // The trusted lists' items: a suspect container whose image is trusted still learns.
        List<String> trusted = RuleEngine.TRUSTED_LISTS.stream()
            .flatMap(l -> lists.getOrDefault(l, List.of()).stream())
            .toList();
        RuleEngine engine = new RuleEngine(compiled, hostname, time, baselines, compiler.extras(), trusted);
        return new LoadResult(problems, compiled.size(), skipped, disabled, errors, engine, lists);
    }

    private CompiledRule compileRule(RuleCollector.RuleDef r, ConditionCompiler compiler) throws RuleCompileException {
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
        for (RuleCollector.ExceptionDef ex : r.exceptions) {
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
            List<String> by = a.has("by") ? strings(a.get("by"), "aggregate.by") : List.of();
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
            List<String> key = strings(r.baseline.get("key"), "baseline.key");
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

    private static List<String> strings(JsonNode n, String key) throws RuleCompileException {
        try {
            return RuleCollector.strings(n, key);
        } catch (RuleCollector.ItemException e) {
            throw RuleCompileException.error(e.getMessage());
        }
    }

    /** Fields named alone (aggregate.by, baseline.key): each must be a plain field the agent knows. */
    private static void checkFields(List<String> fields, String key) throws RuleCompileException {
        for (String f : fields) {
            Ast.Value v;
            try {
                v = ConditionParser.parseField(f);
            } catch (ConditionSyntaxException e) {
                throw RuleCompileException.error("invalid field '" + f + "' in " + key);
            }
            if (!(v instanceof Ast.FieldRef ref)) {
                throw RuleCompileException.error("invalid field '" + f + "' in " + key);
            }
            if (FieldCatalog.resolve(ref) == null) {
                throw RuleCompileException.skip("unknown field " + f + " in " + key);
            }
        }
    }

    /** Exceptions as in Falco: {@code (f1 c1 v1 and f2 c2 v2) or (…)} for the tuples of values. */
    private static Ast exceptionAst(RuleCollector.ExceptionDef ex) throws RuleCompileException {
        if (ex.values().isEmpty()) {
            return null;
        }
        List<Ast.Value> fields = new ArrayList<>();
        for (String f : ex.fields()) {
            try {
                fields.add(ConditionParser.parseField(f));
            } catch (ConditionSyntaxException e) {
                throw RuleCompileException.error("exception '" + ex.name() + "': invalid field '" + f + "'");
            }
        }
        if (ex.singleField()) {
            List<Ast.Scalar> items = new ArrayList<>();
            ex.values().forEach(v -> items.add(MacroResolver.listItem(v.asText())));
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
                        v.forEach(x -> items.add(MacroResolver.listItem(x.asText())));
                    } else {
                        items.add(MacroResolver.listItem(v.asText()));
                    }
                    operand = new Ast.ListValue(items);
                } else {
                    Ast.Scalar s = MacroResolver.listItem(v.asText());
                    operand = new Ast.Scalar(s.text(), true);
                }
                and.add(new Ast.Compare(fields.get(i), comp, null, operand, 1, 1));
            }
            tuples.add(and.size() == 1 ? and.get(0) : new Ast.And(and));
        }
        return tuples.size() == 1 ? tuples.get(0) : new Ast.Or(tuples);
    }

    private static final double MAX_DURATION_NANOS = 3650 * 86_400_000_000_000.0;

    /** {@code 500ms}, {@code 1s}, {@code 10m}, {@code 2h}, {@code 1d} (also ns, us) as nanoseconds; at most 3650d. */
    static long duration(String s, String key) throws RuleCompileException {
        String t = s.trim().toLowerCase(Locale.ROOT);
        int i = 0;
        int dots = 0;
        for (char c; i < t.length() && ((c = t.charAt(i)) >= '0' && c <= '9' || c == '.'); i++) {
            dots += c == '.' ? 1 : 0; // ASCII digits only: parseDouble refuses other scripts' digits
        }
        if (i == 0 || dots > 1 || i == dots) {
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
        double ns = v * unit;
        if (ns > MAX_DURATION_NANOS) {
            // added to an epoch time later (a window's start, a learning period's end): no overflow there
            throw RuleCompileException.error(key + " is longer than 3650d: '" + s + "'");
        }
        if ((long) ns <= 0) {
            throw RuleCompileException.error(key + " must be positive");
        }
        return (long) ns;
    }
}
