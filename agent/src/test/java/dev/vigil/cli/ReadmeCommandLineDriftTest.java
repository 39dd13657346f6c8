package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.Repo;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The README's command line and the agent's agree: every command the README's command table and
 * its {@code vigil.jar} examples name exists, with every {@code --flag} they give it; and every
 * command and option of the agent (help and version aside) is in the table.
 */
class ReadmeCommandLineDriftTest {
    private static final Pattern FLAG = Pattern.compile("(?<![\\w-])--[a-z][a-z-]*");

    /** Every command path ("rules check") with its command line, from the tree picocli builds. */
    private static Map<String, CommandLine> commands() {
        Map<String, CommandLine> all = new TreeMap<>();
        collect(Main.commandLine(), "", all);
        return all;
    }

    private static void collect(CommandLine cl, String path, Map<String, CommandLine> into) {
        for (Map.Entry<String, CommandLine> e : cl.getSubcommands().entrySet()) {
            String p = path.isEmpty() ? e.getKey() : path + " " + e.getKey();
            into.put(p, e.getValue());
            collect(e.getValue(), p, into);
        }
    }

    /** The longest command path at the start of {@code words}, or "" when the first word is no command. */
    private static String commandPath(Map<String, CommandLine> commands, List<String> words) {
        String path = "";
        for (String w : words) {
            String next = path.isEmpty() ? w : path + " " + w;
            if (!commands.containsKey(next)) {
                break;
            }
            path = next;
        }
        return path;
    }

    private static List<String> longOptions(CommandLine cl) {
        List<String> names = new ArrayList<>();
        for (OptionSpec o : cl.getCommandSpec().options()) {
            if (o.usageHelp() || o.versionHelp()) {
                continue;
            }
            for (String n : o.names()) {
                if (n.startsWith("--")) {
                    names.add(n);
                }
            }
        }
        return names;
    }

    /** The first cell of each row of the README's command table, without its backquotes. */
    private static List<String> tableCommands(String readme) {
        int at = readme.indexOf("## Command line");
        assertTrue(at >= 0, "README has a Command line section");
        List<String> cells = new ArrayList<>();
        boolean inTable = false;
        for (String line : readme.substring(at).split("\n")) {
            if (line.startsWith("| `")) {
                inTable = true;
                String first = line.substring(3, line.indexOf("` |"));
                cells.add(first.replace("\\|", "|"));
            } else if (inTable) {
                break;
            }
        }
        assertFalse(cells.isEmpty(), "README's command table");
        return cells;
    }

    @Test
    void everyCommandAndFlagInTheReadmeTableExists() throws Exception {
        Map<String, CommandLine> commands = commands();
        String readme = Files.readString(Repo.root().resolve("README.md"));
        List<String> problems = new ArrayList<>();
        for (String cell : tableCommands(readme)) {
            String path = commandPath(commands, List.of(cell.split("\\s+")));
            if (path.isEmpty()) {
                problems.add("no such command: " + cell);
                continue;
            }
            List<String> known = longOptions(commands.get(path));
            Matcher m = FLAG.matcher(cell);
            while (m.find()) {
                if (!known.contains(m.group())) {
                    problems.add(path + ": no option " + m.group());
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void everyCommandAndOptionOfTheAgentIsInTheReadmeTable() throws Exception {
        Map<String, CommandLine> commands = commands();
        String readme = Files.readString(Repo.root().resolve("README.md"));
        Map<String, String> rows = new TreeMap<>();
        for (String cell : tableCommands(readme)) {
            rows.put(commandPath(commands, List.of(cell.split("\\s+"))), cell);
        }
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, CommandLine> e : commands.entrySet()) {
            boolean group = !e.getValue().getSubcommands().isEmpty();
            if (group) {
                continue; // a group ("rules", "caps") is documented by its commands' rows
            }
            String row = rows.get(e.getKey());
            if (row == null) {
                problems.add("README's command table has no row for '" + e.getKey() + "'");
                continue;
            }
            for (String option : longOptions(e.getValue())) {
                if (!FLAG.matcher(row).results().map(r -> r.group()).toList().contains(option)) {
                    problems.add(e.getKey() + ": option " + option + " not in the README's row");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** Every {@code vigil.jar …} command in the README and docs/ names a command and options it has. */
    @Test
    void everyExampleCommandLineNamesRealCommandsAndOptions() throws Exception {
        Map<String, CommandLine> commands = commands();
        List<java.nio.file.Path> files = new ArrayList<>(List.of(Repo.root().resolve("README.md")));
        try (var docs = Files.list(Repo.root().resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<String> problems = new ArrayList<>();
        int seen = 0;
        for (java.nio.file.Path f : files) {
            for (String line : Files.readAllLines(f)) {
                int jar = line.indexOf("vigil.jar ");
                if (jar < 0 || line.contains("vigil.jar <command>")) {
                    continue;
                }
                String rest = line.substring(jar + "vigil.jar ".length()).split("[|`#;&]")[0].trim();
                List<String> words = List.of(rest.split("\\s+"));
                String path = commandPath(commands, words);
                if (path.isEmpty()) {
                    problems.add(f.getFileName() + ": no such command in: " + line.trim());
                    continue;
                }
                seen++;
                List<String> known = longOptions(commands.get(path));
                for (String w : words) {
                    String flag = w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
                    if (flag.startsWith("--") && !known.contains(flag)) {
                        problems.add(f.getFileName() + ": " + path + " has no option " + flag);
                    }
                }
            }
        }
        assertEquals(List.of(), problems);
        assertTrue(seen > 0, "no vigil.jar command found in the README: the extraction is broken");
    }
}
