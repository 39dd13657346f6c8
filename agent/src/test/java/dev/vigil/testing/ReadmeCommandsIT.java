package dev.vigil.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.cli.Main;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The README and docs/ as a user reads them: every {@code java -jar agent/target/vigil.jar …} line of
 * their {@code sh} blocks that needs neither root nor the network nor a running daemon ({@code run}
 * is left out) runs, as written, from the repository's root with the built jar, as a user who is not
 * root (under {@code setpriv} when the test runs as root); so does {@code --help} of every command.
 * Each must exit 0 and print no warning, and print what its comment says where the comment says it in a
 * form checked here (a count of alerts; a summary, a mask or a verdict quoted from the output). Editing a
 * command in the README so that it breaks, or changing what it prints without its comment, fails here.
 *
 * <p>{@code $FALCO_RULES} (the user's Falco rules checkout) is given the upstream files of the test
 * corpus, laid out as in Falco's rules repository.
 */
class ReadmeCommandsIT {
    private static final String JAR_COMMAND = "java -jar agent/target/vigil.jar ";
    private static final Pattern WARNING = Pattern.compile("(?i)\\bwarn|exception");

    private static final List<String> NOBODY = List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups");
    /**
     * The commands are the README's non-root ones: as root, they run as nobody to prove it, where
     * nobody can read the checkout (a checkout under a private home cannot be, and runs as is).
     */
    private static final boolean AS_NOBODY = asNobody();

    private static boolean asNobody() {
        if (!Integration.isRoot() || !Integration.onPath("setpriv")) {
            return false;
        }
        try {
            List<String> probe = new ArrayList<>(NOBODY);
            probe.addAll(List.of("test", "-r", "agent/target/vigil.jar", "-a", "-r", "docs/examples/events.jsonl"));
            Process p = new ProcessBuilder(probe).directory(Repo.root().toFile()).start();
            boolean readable = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
            if (!readable) {
                System.out.println("ReadmeCommandsIT: nobody cannot read the checkout; the commands run as root");
            }
            return readable;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private record Result(int exit, String stdout, String stderr) {
        String both() {
            return stdout + stderr;
        }
    }

    /** A command of an {@code sh} block and its trailing comment ("" when none). */
    record ShellCommand(String command, String comment) {
    }

    private static final Pattern TRAILING_COMMENT = Pattern.compile("\\s+#\\s(.*)$");

    /** The commands of the {@code sh} blocks, continuation lines joined, trailing comments apart. */
    static List<ShellCommand> shellCommands(String markdown) {
        List<ShellCommand> commands = new ArrayList<>();
        boolean inBlock = false;
        StringBuilder pending = new StringBuilder();
        for (String line : markdown.split("\n")) {
            if (line.startsWith("```")) {
                inBlock = !inBlock && line.trim().equals("```sh");
                continue;
            }
            if (!inBlock) {
                continue;
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1);
                continue;
            }
            pending.append(line);
            String text = pending.toString();
            Matcher comment = TRAILING_COMMENT.matcher(text);
            boolean commented = comment.find();
            String command = (commented ? text.substring(0, comment.start()) : text).trim();
            String said = commented ? comment.group(1).trim() : "";
            pending.setLength(0);
            if (!command.isEmpty() && !command.startsWith("#")) {
                commands.add(new ShellCommand(command, said));
            }
        }
        return commands;
    }

    private static Result run(Map<String, String> env, String command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(AS_NOBODY ? NOBODY : List.of());
        argv.addAll(List.of("bash", "-c", "set -o pipefail; " + command));
        ProcessBuilder pb = new ProcessBuilder(argv).directory(Repo.root().toFile());
        pb.environment().putAll(env);
        pb.environment().put("HOME", System.getProperty("java.io.tmpdir"));
        Path out = Files.createTempFile("vigil-readme", ".out");
        Path err = Files.createTempFile("vigil-readme", ".err");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE)
                .start();
            p.getOutputStream().close();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError("did not finish in 2 min: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** What a comment says a command prints, in the forms the README uses: a count of alerts, or output verbatim. */
    private static final Pattern ALERT_COUNT = Pattern.compile("(\\d+) alerts on stdout");
    private static final Pattern QUOTED_OUTPUT = Pattern.compile(
        "rules: \\d+ loaded, \\d+ skipped, \\d+ errors|\\d+ rules as expected|0x[0-9a-f]{16}|ok +.+: fired \\d+, expected \\d+");

    /** The comment's claims about the output hold (whitespace runs compared as one space). */
    static void assertAsSaid(String command, String comment, Result r, List<String> problems) {
        Matcher count = ALERT_COUNT.matcher(comment);
        if (count.find()) {
            long alerts = r.stdout().lines().filter(l -> l.startsWith("{\"uuid\"")).count();
            if (alerts != Long.parseLong(count.group(1))) {
                problems.add("the comment says " + count.group() + ", there were " + alerts + ": " + command);
            }
        }
        String output = r.both().replaceAll("[ \\t]+", " ");
        Matcher quoted = QUOTED_OUTPUT.matcher(comment);
        while (quoted.find()) {
            if (!output.contains(quoted.group().replaceAll(" +", " "))) {
                problems.add("the comment says '" + quoted.group() + "', not in the output of: " + command + "\n" + r.both());
            }
        }
    }

    private static void assertClean(String command, Result r, List<String> problems) {
        if (r.exit() != 0) {
            problems.add("exit " + r.exit() + ": " + command + "\n" + r.both());
        }
        // Diagnostics go to stderr (stdout carries alerts, whose priority may be "Warning").
        for (String line : r.stderr().split("\n")) {
            if (WARNING.matcher(line).find()) {
                problems.add("a warning from: " + command + "\n  " + line);
            }
        }
    }

    /** Falco's layout (rules/, archive/) over the corpus's copy of the upstream files; null without the corpus. */
    private static Path falcoRulesCheckout(Path dir) throws IOException {
        // The shared corpus the other tests read (UpstreamRulesTest: /work/shared/corpus), wherever the clone is.
        String corpus = System.getenv().getOrDefault("VIGIL_CORPUS", "/work/shared/corpus");
        Path upstream = Path.of(corpus, "falco-rules").toAbsolutePath().normalize();
        if (!Files.isRegularFile(upstream.resolve("falco_rules.yaml"))) {
            return null;
        }
        Map<String, String> layout = Map.of("falco_rules.yaml", "rules", "falco-incubating_rules.yaml", "rules",
            "falco-sandbox_rules.yaml", "rules", "falco-deprecated_rules.yaml", "archive",
            "application_rules.yaml", "archive");
        for (Map.Entry<String, String> e : layout.entrySet()) {
            Path sub = Files.createDirectories(dir.resolve(e.getValue()));
            Files.copy(upstream.resolve(e.getKey()), sub.resolve(e.getKey()));
        }
        try (var all = Files.walk(dir)) {
            for (Path p : all.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        return dir;
    }

    @Test
    void everyNonRootCommandOfTheReadmeAndDocsRunsCleanly(@TempDir Path tmp) throws Exception {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path falco = falcoRulesCheckout(Files.createDirectory(tmp.resolve("falco")));
        List<Path> docs = new ArrayList<>(List.of(Repo.root().resolve("README.md")));
        try (var list = Files.list(Repo.root().resolve("docs"))) {
            list.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<String> problems = new ArrayList<>();
        int ran = 0;
        int claims = 0;
        for (Path doc : docs) {
            for (ShellCommand sc : shellCommands(Files.readString(doc))) {
                String command = sc.command();
                if (!command.startsWith(JAR_COMMAND) || command.startsWith(JAR_COMMAND + "run")) {
                    continue; // root, a daemon, the network or another tool: not this test's
                }
                if (command.contains("$FALCO_RULES") && falco == null) {
                    Integration.requireOrSkip(false, "the Falco rules corpus (VIGIL_CORPUS) for: " + command);
                }
                Map<String, String> env = falco != null ? Map.of("FALCO_RULES", falco.toString()) : Map.of();
                Result r = run(env, command);
                assertClean(command, r, problems);
                assertAsSaid(command, sc.comment(), r, problems);
                claims += sc.comment().isEmpty() ? 0 : 1;
                ran++;
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(ran >= 5, "only " + ran + " commands found in the README's sh blocks: the extraction is broken");
        assertTrue(claims >= 5, "only " + claims + " commented commands: the comments' extraction is broken");
    }

    @Test
    void everyCommandsHelpRunsCleanly() throws Exception {
        Map<String, CommandLine> commands = new TreeMap<>();
        collect(Main.commandLine(), "", commands);
        List<String> problems = new ArrayList<>();
        for (String path : commands.keySet()) {
            String command = JAR_COMMAND + path + " --help";
            Result r = run(Map.of(), command);
            assertClean(command, r, problems);
            if (!r.stdout().contains("Usage: vigil " + path)) {
                problems.add("no usage from: " + command + "\n" + r.both());
            }
        }
        assertEquals(List.of(), problems);
    }

    private static void collect(CommandLine cl, String path, Map<String, CommandLine> into) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            String p = path.isEmpty() ? e.getKey() : path + " " + e.getKey();
            into.put(p, e.getValue());
            collect(e.getValue(), p, into);
        }
    }

    @Test
    void theVersionIsTheBuildsVersion() throws Exception {
        String version = System.getProperty("vigil.version");
        assertTrue(version != null && !version.isBlank(), "vigil.version is set by the build (failsafe)");
        Result r = run(Map.of(), JAR_COMMAND + "-V");
        assertEquals(0, r.exit(), r.both());
        assertEquals("vigil " + version, r.stdout().trim());
    }

    @Test
    void noCommandExitsTwoWithTheUsage() throws Exception {
        Result r = run(Map.of(), JAR_COMMAND.trim());
        assertEquals(2, r.exit(), r.both());
        assertTrue(r.stderr().contains("Usage: vigil"), r.both());
    }

    /** The bundled sample holds the four attacks the README opens with: each category tag of its table fires. */
    @Test
    void theBundledSampleRaisesEveryCategoryOfTheReadme() throws Exception {
        String readme = Files.readString(Repo.root().resolve("README.md"));
        int table = readme.indexOf("| tag | rules |");
        assertTrue(table >= 0, "README's category table");
        Set<String> categories = new LinkedHashSet<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z_]+)` \\|").matcher(readme.substring(table));
        while (m.find() && m.start() < readme.substring(table).indexOf("\n\n")) {
            categories.add(m.group(1));
        }
        // The table opens with the four attack families; rows after them (tags other rules add, the
        // learning summary's) are not attacks the sample stages.
        List<String> attacks = List.copyOf(categories).subList(0, Math.min(4, categories.size()));
        assertEquals(List.of("cap_sys_admin", "fork_bomb", "raw_socket", "privileged"), attacks, categories.toString());
        Result r = run(Map.of(), JAR_COMMAND + "replay docs/examples/events.jsonl");
        assertEquals(0, r.exit(), r.both());
        for (String category : attacks) {
            assertTrue(r.stdout().contains("\"" + category + "\""), "no alert tagged " + category + ":\n" + r.stdout());
        }
        // Every line of the sample is a valid event: nothing rejected.
        var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.stderr().strip().lines()
            .reduce((a, b) -> b).orElse("{}"));
        assertEquals(summary.path("received").asLong(-1), summary.path("processed").asLong(-2), r.stderr());
    }
}
