package dev.vigil.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.VigilConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * No two stages depend on each other, however indirectly (style guide: a package per stage, stages
 * meeting only through small interfaces). The dependencies are read from the compiled classes by the
 * JDK's {@code jdeps}, so a fully qualified name in code counts as much as an import (that is how
 * {@code config} once used {@code alert.Priority} while {@code alert.AlertFolder} took
 * {@code config.AlertsConfig}). A sub-package counts as its stage ({@code runtime.api} is {@code runtime}).
 */
class PackageCyclesTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+dev\\.vigil\\.(\\w+)\\S*\\s+->\\s+dev\\.vigil\\.(\\w+)");

    /** Stage → the stages its classes use, from {@code jdeps -verbose:package} over the main classes. */
    static Map<String, Set<String>> stageDependencies() throws Exception {
        Path classes = Path.of(VigilConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
            classes.toString());
        assertEquals(0, rc, err.toString());
        Map<String, Set<String>> deps = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                deps.computeIfAbsent(m.group(1), k -> new TreeSet<>());
                if (!m.group(1).equals(m.group(2))) {
                    deps.get(m.group(1)).add(m.group(2));
                }
            }
        }
        return deps;
    }

    /** A path from {@code from} to {@code to}, or null. */
    private static List<String> path(Map<String, Set<String>> deps, String from, String to) {
        Map<String, String> parent = new TreeMap<>();
        Deque<String> todo = new ArrayDeque<>(List.of(from));
        parent.put(from, from);
        while (!todo.isEmpty()) {
            String at = todo.poll();
            if (at.equals(to)) {
                List<String> p = new ArrayList<>();
                for (String s = to; !s.equals(from); s = parent.get(s)) {
                    p.add(0, s);
                }
                p.add(0, from);
                return p;
            }
            for (String next : deps.getOrDefault(at, Set.of())) {
                if (parent.putIfAbsent(next, at) == null) {
                    todo.add(next);
                }
            }
        }
        return null;
    }

    @Test
    void noStageDependsOnItselfThroughAnother() throws Exception {
        Map<String, Set<String>> deps = stageDependencies();
        assertTrue(deps.keySet().containsAll(List.of("ingest", "pipeline", "state", "rules", "alert", "output",
            "config", "cli")), "jdeps saw the stages: " + deps.keySet());
        assertTrue(deps.get("cli").contains("output"), "jdeps saw the edges: " + deps);
        List<String> cycles = new ArrayList<>();
        for (Map.Entry<String, Set<String>> e : deps.entrySet()) {
            for (String to : e.getValue()) {
                List<String> back = path(deps, to, e.getKey());
                if (back != null) {
                    cycles.add(e.getKey() + " -> " + String.join(" -> ", back));
                }
            }
        }
        assertEquals(List.of(), cycles, "package cycles");
    }

    /** config is read by every stage, so it uses none. */
    @Test
    void configUsesNoStage() throws Exception {
        assertEquals(Set.of(), stageDependencies().getOrDefault("config", Set.of()));
    }
}
