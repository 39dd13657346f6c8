package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code vigil baselines list|export|import} over a state directory, and {@code rules.baselineSeeds} in replay. */
class BaselinesCommandTest {
    static final String RULE = "CAP_SYS_ADMIN syscall succeeded in container";
    static final long T0 = 1_795_000_000_000_000_000L;

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    private Path config(String name, String extra) throws Exception {
        Path c = dir.resolve(name + ".yaml");
        Files.writeString(c, "hostname: test-node\nstate: {stateDir: " + dir.resolve(name) + "}\n" + extra);
        return c;
    }

    /** A seed as a person writes it (no crc32): one rule, one scope, two tuples, one naming where. */
    private Path seed() throws Exception {
        Path f = dir.resolve("seed.json");
        Files.writeString(f, """
            {"version":3,"rules":{"%s":{"docker.io/library/csi":{"firstSeen":%d,
             "tuples":[{"tuple":"docker.io/library/csi\\u001f/csi\\u001fmount","at":%d,"where":"node-a"},
                       "docker.io/library/csi\\u001f/csi\\u001fumount2"]}}}}
            """.formatted(RULE, T0, T0 + 1_000_000_000L));
        return f;
    }

    @Test
    void importThenListShowsEachTupleWithWhenAndWhereAndExportRoundTrips() throws Exception {
        Path a = config("a", "");
        assertEquals(0, run("baselines", "import", "--config", a.toString(), seed().toString()), err.toString());
        assertTrue(out.toString().contains("imported 2 tuples"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("baselines", "list", "--config", a.toString()), err.toString());
        List<String> lines = List.of(out.toString().replace("\r", "").split("\n"));
        assertEquals(List.of(
            "rule: " + RULE,
            "  scope: docker.io/library/csi",
            "    /csi mount  learned 2026-11-18T11:06:41Z on node-a",
            "    /csi umount2  learned 2026-11-18T11:06:40Z on import:" + dir.resolve("seed.json"),
            "baselines: 2 tuples"), lines);

        Path exported = dir.resolve("out.json");
        assertEquals(0, run("baselines", "export", "--config", a.toString(), exported.toString()), err.toString());
        Path b = config("b", "");
        out.getBuffer().setLength(0);
        assertEquals(0, run("baselines", "import", "--config", b.toString(), exported.toString()), err.toString());
        assertTrue(out.toString().contains("imported 2 tuples"), out.toString());
        out.getBuffer().setLength(0);
        assertEquals(0, run("baselines", "import", "--config", b.toString(), exported.toString()), err.toString());
        assertTrue(out.toString().contains("imported 0 tuples"), "a merge: what is known stays " + out);
    }

    @Test
    void anUnreadableImportExitsOne() throws Exception {
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{not json");
        assertEquals(1, run("baselines", "import", "--config", config("a", "").toString(), bad.toString()));
        assertTrue(err.toString().contains("cannot import"), err.toString());
    }

    private List<String> replay(Path cfg, String events) throws Exception {
        Path f = dir.resolve("events.jsonl");
        Files.writeString(f, events);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        ReplayCommand replay = new ReplayCommand();
        replay.out = new PrintStream(o, true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(e, true, StandardCharsets.UTF_8);
        int code = new CommandLine(replay).execute("--config", cfg.toString(), f.toString());
        assertEquals(0, code, e.toString(StandardCharsets.UTF_8));
        List<String> rules = new ArrayList<>();
        for (String l : o.toString(StandardCharsets.UTF_8).split("\n")) {
            if (!l.isBlank()) {
                rules.add(new ObjectMapper().readTree(l).path("rule").asText() + " " + new ObjectMapper().readTree(l)
                    .path("output_fields").path("proc.exepath").asText());
            }
        }
        return rules;
    }

    @Test
    void aSeededTupleIsKnownFromTheStartAnUnseededOneFires() throws Exception {
        String line = "{\"evt.type\":\"%s\",\"evt.rawtime\":%d,\"proc.pid\":77,\"proc.name\":\"x\",\"container.id\":\"abcabcabcabc\","
            + "\"container.image.repository\":\"docker.io/library/csi\",\"proc.exepath\":\"%s\",\"evt.res\":0}\n";
        String events = line.formatted("openat", T0, "/x") // the node's first event: learning starts
            + line.formatted("mount", T0 + 3_600_000_000_000L, "/csi")
            + line.formatted("mount", T0 + 3_600_000_000_000L, "/bin/sh");
        assertEquals(List.of(RULE + " /bin/sh"),
            replay(config("s", "rules: {baselineSeeds: [" + seed() + "]}\n"), events));
        assertEquals(List.of(RULE + " /csi", RULE + " /bin/sh"), replay(config("n", ""), events), "without the seed");
    }

    @Test
    void aSeedThatCannotBeReadStopsTheStartNamingTheKey() throws Exception {
        Path missing = dir.resolve("nope.json");
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        ReplayCommand replay = new ReplayCommand();
        replay.out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        replay.err = new PrintStream(e, true, StandardCharsets.UTF_8);
        Path f = dir.resolve("empty.jsonl");
        Files.writeString(f, "");
        int code = new CommandLine(replay).execute("--config",
            config("m", "rules: {baselineSeeds: [" + missing + "]}\n").toString(), f.toString());
        assertEquals(2, code);
        assertTrue(e.toString(StandardCharsets.UTF_8).contains("rules.baselineSeeds"), e.toString(StandardCharsets.UTF_8));
    }
}
