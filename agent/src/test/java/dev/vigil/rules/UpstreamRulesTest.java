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
}
