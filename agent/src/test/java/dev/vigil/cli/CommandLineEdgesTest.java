package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The command line's edges: what a user gets with no command, no path, or a help screen. */
class CommandLineEdgesTest {
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void noCommandIsABadCommandLine() {
        assertEquals(Main.EXIT_USAGE, run());
        assertTrue(err.toString().contains("Usage: vigil"), err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void rulesCheckWithNothingToCheckIsABadCommandLine() {
        assertEquals(Main.EXIT_USAGE, run("rules", "check"));
        assertTrue(err.toString().contains("PATH"), err.toString());
        assertFalse(out.toString().contains("rules: 0 loaded"), out.toString());
    }

    @Test
    void rulesCheckOfTheEmbeddedRulesetAloneIsAllowed() {
        assertEquals(0, run("rules", "check", "--include-default"));
        assertTrue(out.toString().contains(" 0 errors"), out.toString());
    }

    /** Every help screen renders without a picocli warning (a stray format specifier prints one on stderr). */
    @Test
    void everyHelpScreenRendersWithoutWarnings() {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        StringBuilder usages = new StringBuilder();
        try {
            collectUsage(Main.commandLine(), usages);
        } finally {
            System.setErr(saved);
        }
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
        assertFalse(usages.toString().contains("%0"), usages.toString());
    }

    private static void collectUsage(CommandLine cl, StringBuilder sink) {
        sink.append(cl.getUsageMessage());
        for (CommandLine sub : cl.getSubcommands().values()) {
            collectUsage(sub, sink);
        }
    }
}
