package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.testing.Repo;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The config documentation cannot drift from the loader: every key the loader accepts (the config
 * records' components, recursively) is in the README's configuration table with the default the
 * records give it, and in the full example config; every key of an output is in docs/outputs.md's
 * table with its default. A table row for a key the loader would reject fails too.
 *
 * <p>A documented default is checked by loading it: the row's first backquoted value is written as
 * that key in a YAML file, read by the real loader, and compared with what an empty config gives.
 * A {@code <key>} inside it stands for that key's default ({@code <state.stateDir>/spool}).
 */
class ConfigDocsDriftTest {
    private static final Pattern CODE = Pattern.compile("`([^`]*)`");
    private final ConfigLoader loader = new ConfigLoader();

    /** Dotted keys of a record, recursively into component records, in declaration order. */
    private static List<String> keys(Class<?> record, String prefix) {
        List<String> keys = new ArrayList<>();
        for (RecordComponent c : record.getRecordComponents()) {
            if (c.getType().isRecord()) {
                keys.addAll(keys(c.getType(), prefix + c.getName() + "."));
            } else {
                keys.add(prefix + c.getName());
            }
        }
        return keys;
    }

    /** The value at a dotted key, read through the records' accessors. */
    private static Object valueAt(Object config, String key) throws ReflectiveOperationException {
        Object v = config;
        for (String part : key.split("\\.")) {
            v = v.getClass().getMethod(part).invoke(v);
        }
        return v;
    }

    /** {@code a.b} and a value as YAML: {@code a:\n  b: value}. */
    private static String yamlAt(String key, String value) {
        String[] parts = key.split("\\.");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            sb.append("  ".repeat(i)).append(parts[i]).append(':');
            sb.append(i == parts.length - 1 ? " " + value + "\n" : "\n");
        }
        return sb.toString();
    }

    /** Rows of the first markdown table after {@code heading} whose first row names {@code firstKey}: key cell, default cell. */
    private static List<String[]> table(String markdown, String heading, String firstKey) {
        int at = markdown.indexOf(heading);
        assertTrue(at >= 0, "no heading " + heading);
        int start = markdown.indexOf("\n| `" + firstKey + "`", at);
        assertTrue(start >= 0, "no table starting with `" + firstKey + "` after " + heading);
        List<String[]> rows = new ArrayList<>();
        for (String line : markdown.substring(start + 1).split("\n")) {
            if (!line.startsWith("|")) {
                break;
            }
            String[] cells = line.split("(?<!\\\\)\\|");
            rows.add(Arrays.stream(cells, 1, cells.length).map(String::trim).toArray(String[]::new));
        }
        return rows;
    }

    private static List<String> code(String cell) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(cell);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** Each key documented in a table, with the default text that goes with it (null: described in words). */
    private static Map<String, String> documented(List<String[]> rows) {
        Map<String, String> docs = new LinkedHashMap<>();
        for (String[] row : rows) {
            List<String> keys = code(row[0]);
            List<String> defaults = row[1].startsWith("`") ? code(row[1]) : List.of();
            for (int i = 0; i < keys.size(); i++) {
                String d = defaults.isEmpty() ? null : defaults.size() == keys.size() ? defaults.get(i) : defaults.get(0);
                docs.put(keys.get(i), d);
                assertFalse(row[1].isBlank(), keys.get(i) + ": the default cell is empty");
            }
        }
        return docs;
    }

    private String substitute(String text, VigilConfig defaults) throws ReflectiveOperationException {
        Matcher m = Pattern.compile("<([a-zA-Z.]+)>").matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(String.valueOf(valueAt(defaults, m.group(1)))));
        }
        return m.appendTail(sb).toString();
    }

    @Test
    void everyKeyIsInTheReadmeTableWithTheRecordsDefault() throws Exception {
        String readme = Files.readString(Repo.root().resolve("README.md"));
        Map<String, String> docs = documented(table(readme, "## Configuration", "hostname"));
        List<String> keys = keys(VigilConfig.class, "");
        assertEquals(new TreeSet<>(keys), new TreeSet<>(docs.keySet()),
            "the README's configuration table and the keys the loader accepts");
        VigilConfig defaults = VigilConfig.defaults();
        List<String> wrong = new ArrayList<>();
        for (String key : keys) {
            Object expected = valueAt(defaults, key);
            String text = docs.get(key);
            if (expected == null || text == null) {
                continue; // no default value (hostname: from the environment) or a default told in words
            }
            VigilConfig parsed = loader.parse(yamlAt(key, substitute(text, defaults)), "README " + key);
            Object documentedValue = valueAt(parsed, key);
            if (!Objects.equals(expected, documentedValue)) {
                wrong.add(key + ": README says `" + text + "`, the loader's default is " + expected);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void everyKeyIsInTheFullExampleConfig() throws Exception {
        String text = Files.readString(Repo.root().resolve("deploy/examples/config.yaml"));
        JsonNode tree = new ObjectMapper(new YAMLFactory()).readTree(text);
        VigilConfig defaults = VigilConfig.defaults();
        List<String> missing = new ArrayList<>();
        for (String key : keys(VigilConfig.class, "")) {
            JsonNode n = tree;
            for (String part : key.split("\\.")) {
                n = n.path(part);
            }
            String leaf = key.substring(key.lastIndexOf('.') + 1);
            // A key with no default value (the node name) may stand commented out: a real value would be wrong on most nodes.
            boolean commented = valueAt(defaults, key) == null
                && Pattern.compile("(?m)^\\s*#\\s*" + Pattern.quote(leaf) + ":").matcher(text).find();
            if (n.isMissingNode() && !commented) {
                missing.add(key);
            }
        }
        assertEquals(List.of(), missing, "keys missing from deploy/examples/config.yaml");
    }

    /** The kinds of output that take {@code key}: all of them for a delivery key. */
    private static List<OutputType> kindsTaking(String key) {
        List<OutputType> kinds = new ArrayList<>();
        for (OutputType t : OutputType.values()) {
            if (key.equals("type") || keys(t.record(), "").contains(key)
                || keys(DeliveryConfig.class, "").contains(key)) {
                kinds.add(t);
            }
        }
        return kinds;
    }

    /** An output's value at {@code key}: its own component, else its delivery block's. */
    private static Object outputValue(OutputConfig o, String key) throws ReflectiveOperationException {
        boolean own = Arrays.stream(o.getClass().getRecordComponents()).anyMatch(c -> c.getName().equals(key));
        return valueAt(own ? o : o.delivery(), key);
    }

    @Test
    void everyOutputKeyIsInDocsOutputsWithTheRecordsDefaultAndItsTypes() throws Exception {
        String doc = Files.readString(Repo.root().resolve("docs/outputs.md"));
        List<String[]> rows = table(doc, "#", "type");
        Map<String, String> docs = documented(rows);
        Set<String> keys = new TreeSet<>(keys(DeliveryConfig.class, ""));
        keys.add("type");
        for (OutputType t : OutputType.values()) {
            keys.addAll(keys(t.record(), "").stream().filter(k -> !k.startsWith("delivery.")).toList());
        }
        assertEquals(keys, new TreeSet<>(docs.keySet()), "docs/outputs.md's key table and the output records");
        List<String> wrong = new ArrayList<>();
        for (String[] row : rows) {
            String key = code(row[0]).get(0);
            List<OutputType> kinds = kindsTaking(key);
            String documentedKinds = kinds.size() == OutputType.values().length ? "all"
                : String.join(", ", kinds.stream().map(OutputType::yamlName).toList());
            if (!row[2].equals(documentedKinds)) {
                wrong.add(key + ": docs/outputs.md says it is for '" + row[2] + "', the records: " + documentedKinds);
            }
        }
        for (String key : keys) {
            String text = docs.get(key);
            if (text == null || key.equals("type")) {
                continue;
            }
            String type = kindsTaking(key).get(0).yamlName();
            Object expected = outputValue(loader.parse("outputs:\n  - type: " + type + "\n", "defaults").outputs()
                .get(0), key);
            if (expected == null) {
                continue;
            }
            String yaml = "outputs:\n  - type: " + type + "\n    " + key + ": " + text + "\n";
            Object documentedValue = outputValue(loader.parse(yaml, "docs/outputs.md " + key).outputs().get(0), key);
            if (!Objects.equals(expected, documentedValue)) {
                wrong.add(key + ": docs/outputs.md says `" + text + "`, the loader's default is " + expected);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void theKeyEnumerationSeesNestedSectionsAndLeaves() {
        Set<String> keys = new LinkedHashSet<>(keys(VigilConfig.class, ""));
        assertTrue(keys.contains("ingest.maxLineBytes"), keys.toString());
        assertTrue(keys.contains("outputs"), keys.toString());
        assertFalse(keys.contains("ingest"), keys.toString());
    }
}
