package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Acceptance 1: the five upstream Falco files, loaded together, give zero errors. */
class UpstreamRulesTest {
    static final Path CORPUS = Path.of(System.getProperty("vigil.corpus", "/work/shared/corpus/falco-rules"));
    /** The order of the corpus README: the stable file defines the macros and lists the others use. */
    static final List<String> ORDER = List.of("falco_rules.yaml", "falco-incubating_rules.yaml",
        "falco-sandbox_rules.yaml", "falco-deprecated_rules.yaml", "application_rules.yaml");

    static List<Path> files() {
        return ORDER.stream().map(CORPUS::resolve).toList();
    }

    @Test
    void upstreamFilesLoadWithZeroErrorsAndEverySkipNamesItsReason() {
        assumeTrue(Files.isDirectory(CORPUS), "upstream Falco rules not found at " + CORPUS);
        LoadResult r = RulesetLoader.forCheck().load(files(), false);
        String report = r.problems().stream().map(Problem::toString).collect(Collectors.joining("\n"));
        System.out.println(report + "\n" + r.summary() + ", " + r.disabled() + " disabled");
        System.out.println("running: " + r.matcher().ruleNames());
        assertEquals(0, r.errors(), report);
        assertTrue(r.loaded() > 0);
        for (Problem p : r.problems()) {
            if (p.kind() == Problem.Kind.SKIPPED) {
                assertTrue(p.reason().matches(".*(unknown field \\S+|unsupported transformer \\S+|source '.*' is not syscall).*"),
                    p.toString());
            }
        }
        assertEquals(97, r.loaded() + r.skipped() + r.disabled(), "every upstream rule accounted for");
    }

    @Test
    void upstreamRulesFireWithFalcoSemantics() {
        assumeTrue(Files.isDirectory(CORPUS), "upstream Falco rules not found at " + CORPUS);
        RuleEngine e = RulesetLoader.forCheck().load(files(), false).matcher();
        assertTrue(fired(e, TestEvents.event("socket", "container.id", "de6b9f00ba11", "evt.arg.domain", 17L,
            "evt.arg.type", 3L, "proc.name", "tcpdump")).contains("Packet socket created in container"));
        assertTrue(fired(e, TestEvents.event("finit_module", "container.id", "de6b9f00ba11", "proc.name", "insmod",
            "thread.cap_effective", dev.vigil.event.Capabilities.FULL_SET, "container.image.repository", "evil")).contains(
                "Linux Kernel Module Injection Detected"));
        List<String> shell = fired(e, TestEvents.event("execve", "container.id", "de6b9f00ba11", "proc.name", "bash",
            "proc.pname", "runc:[1:CHILD]", "proc.tty", "34816", "user.name", "root", "proc.cmdline", "bash"));
        assertTrue(shell.contains("Terminal shell in container"), shell.toString());
        assertEquals(List.of(), fired(e, TestEvents.event("execve", "container.id", "de6b9f00ba11", "proc.name", "bash",
            "proc.pname", "runc:[1:CHILD]", "proc.tty", "0", "user.name", "root", "proc.cmdline", "bash")));
    }

    static List<String> fired(RuleEngine e, dev.vigil.event.Event ev) {
        List<String> out = new java.util.ArrayList<>();
        e.match(ev, a -> out.add(a.rule()));
        return out;
    }
}
