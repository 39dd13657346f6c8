package dev.vigil.bench.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.google.re2j.Pattern;
import dev.vigil.rules.Ast;
import dev.vigil.rules.ConditionParser;
import dev.vigil.rules.ConditionSyntaxException;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The baseline the rule engine is measured against (JMH, same run): the obvious interpreter. Events
 * are {@code Map<String, Object>} keyed by Falco field name with Falco's string forms (capability sets
 * as names, {@code evt.res} as SUCCESS or an errno name); every rule's syntax tree is walked for every
 * event (no index by event type); macros are looked up by name and lists expanded at each evaluation;
 * values are compared as Strings. Same parser as the engine, so both run the same conditions.
 * Rule files are read naively: later definitions replace, {@code append}/{@code override} append to
 * conditions and list items; exceptions are ignored. Not thread-safe.
 */
public final class NaiveMapInterpreter {
    private final Map<String, Ast> macros = new HashMap<>();
    private final Map<String, List<String>> lists = new HashMap<>();
    private final Map<String, Ast> rules = new LinkedHashMap<>();
    private final Map<String, Pattern> patterns = new HashMap<>();

    /** Reads rule files (YAML streams) in order; rules whose condition does not parse are left out. */
    public static NaiveMapInterpreter load(List<InputStream> files) throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        Map<String, String> macroText = new LinkedHashMap<>();
        Map<String, String> ruleText = new LinkedHashMap<>();
        Map<String, Boolean> enabled = new HashMap<>();
        NaiveMapInterpreter n = new NaiveMapInterpreter();
        for (InputStream in : files) {
            JsonNode root = yaml.readTree(in);
            if (root == null || !root.isArray()) {
                continue;
            }
            for (JsonNode item : root) {
                boolean append = item.path("append").asBoolean(false) || item.has("override");
                if (item.has("list")) {
                    List<String> items = new ArrayList<>();
                    item.path("items").forEach(x -> items.add(unquote(x.asText())));
                    String name = item.get("list").asText();
                    if (append && n.lists.containsKey(name)) {
                        n.lists.get(name).addAll(items);
                    } else {
                        n.lists.put(name, items);
                    }
                } else if (item.has("macro")) {
                    String name = item.get("macro").asText();
                    String c = item.path("condition").asText();
                    macroText.put(name, append && macroText.containsKey(name) ? macroText.get(name) + " " + c : c);
                } else if (item.has("rule")) {
                    String name = item.get("rule").asText();
                    if (item.has("enabled")) {
                        enabled.put(name, item.get("enabled").asBoolean());
                    }
                    if (item.has("condition")) {
                        String c = item.get("condition").asText();
                        ruleText.put(name, append && ruleText.containsKey(name) ? ruleText.get(name) + " " + c : c);
                    }
                }
            }
        }
        macroText.forEach((k, v) -> {
            try {
                n.macros.put(k, ConditionParser.parse(v));
            } catch (ConditionSyntaxException e) {
                // left out: a rule using it evaluates to false
            }
        });
        ruleText.forEach((k, v) -> {
            if (enabled.getOrDefault(k, true)) {
                try {
                    n.rules.put(k, ConditionParser.parse(v));
                } catch (ConditionSyntaxException e) {
                    // left out
                }
            }
        });
        return n;
    }

    public int ruleCount() {
        return rules.size();
    }

    /** The rules whose condition holds for the event, in load order. */
    public List<String> match(Map<String, Object> event) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, Ast> r : rules.entrySet()) {
            if (eval(r.getValue(), event, 0)) {
                out.add(r.getKey());
            }
        }
        return out;
    }

    /** Number of rules whose condition holds (what a benchmark consumes). */
    public int matchCount(Map<String, Object> event) {
        int n = 0;
        for (Ast a : rules.values()) {
            if (eval(a, event, 0)) {
                n++;
            }
        }
        return n;
    }

    private boolean eval(Ast a, Map<String, Object> e, int depth) {
        if (depth > 1000) {
            return false;
        }
        if (a instanceof Ast.And and) {
            for (Ast c : and.children()) {
                if (!eval(c, e, depth + 1)) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Ast.Or or) {
            for (Ast c : or.children()) {
                if (eval(c, e, depth + 1)) {
                    return true;
                }
            }
            return false;
        }
        if (a instanceof Ast.Not not) {
            return !eval(not.child(), e, depth + 1);
        }
        if (a instanceof Ast.MacroRef m) {
            Ast body = macros.get(m.name());
            return body != null && eval(body, e, depth + 1);
        }
        Ast.Compare c = (Ast.Compare) a;
        String v = value(c.field(), e);
        if (c.op().equals("exists")) {
            return v != null;
        }
        if (v == null) {
            return false;
        }
        List<String> rhs = new ArrayList<>();
        if (c.value() instanceof Ast.Scalar s) {
            rhs.add(s.text());
        } else if (c.value() instanceof Ast.ListValue l) {
            for (Ast.Scalar s : l.items()) {
                expand(s, rhs, 0);
            }
        } else if (c.value() instanceof Ast.FieldOperand f) {
            String o = value(f.value(), e);
            if (o == null) {
                return false;
            }
            rhs.add(o);
        }
        if (c.modifier() != null) {
            boolean all = c.modifier().equals("allof");
            for (String r : rhs) {
                boolean ok = compare(c.op(), v, List.of(r));
                if (ok != all) {
                    return ok;
                }
            }
            return all;
        }
        return compare(c.op(), v, rhs);
    }

    private void expand(Ast.Scalar s, List<String> out, int depth) {
        List<String> l = s.quoted() ? null : lists.get(s.text());
        if (l == null || depth > 50) {
            out.add(s.text());
            return;
        }
        for (String x : l) {
            expand(new Ast.Scalar(x, false), out, depth + 1);
        }
    }

    private boolean compare(String op, String v, List<String> rhs) {
        String r = rhs.isEmpty() ? "" : rhs.get(0);
        switch (op) {
            case "=", "==":
                return v.equals(r);
            case "!=":
                return !v.equals(r);
            case "<", "<=", ">", ">=": {
                Long a = number(v);
                Long b = number(r);
                if (a == null || b == null) {
                    return false;
                }
                int cmp = Long.compare(a, b);
                return switch (op) {
                    case "<" -> cmp < 0;
                    case "<=" -> cmp <= 0;
                    case ">" -> cmp > 0;
                    default -> cmp >= 0;
                };
            }
            case "in", "intersects":
                return rhs.contains(v);
            case "pmatch":
                for (String p : rhs) {
                    if (v.equals(p) || v.startsWith(p.endsWith("/") ? p : p + "/")) {
                        return true;
                    }
                }
                return false;
            case "contains", "bcontains":
                return v.contains(r);
            case "icontains":
                return v.toLowerCase(Locale.ROOT).contains(r.toLowerCase(Locale.ROOT));
            case "startswith", "bstartswith":
                return v.startsWith(r);
            case "endswith":
                return v.endsWith(r);
            case "glob", "iglob":
                return patterns.computeIfAbsent(op + r, k -> globPattern(r, op.equals("iglob"))).matcher(v).matches();
            case "regex":
                return patterns.computeIfAbsent("re" + r, k -> Pattern.compile(r)).matcher(v).matches();
            default:
                return false;
        }
    }

    private static Pattern globPattern(String glob, boolean ignoreCase) {
        StringBuilder sb = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(sb.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
    }

    private static Long number(String s) {
        try {
            return s.startsWith("0x") ? Long.parseLong(s.substring(2), 16) : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private String value(Ast.Value v, Map<String, Object> e) {
        if (v instanceof Ast.Transform t) {
            String inner = value(t.inner(), e);
            if (inner == null) {
                return null;
            }
            return switch (t.function()) {
                case "tolower" -> inner.toLowerCase(Locale.ROOT);
                case "toupper" -> inner.toUpperCase(Locale.ROOT);
                case "basename" -> inner.substring(inner.lastIndexOf('/') + 1);
                case "len" -> Integer.toString(inner.length());
                default -> null;
            };
        }
        Ast.FieldRef f = (Ast.FieldRef) v;
        Object o = e.get(f.fullName());
        return o == null ? null : o.toString();
    }

    private static String unquote(String s) {
        String t = s.trim();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
