package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rule files are bounded (issue 16, finding 10): a YAML alias is an error at its line (Jackson would
 * read it as the anchor's name, and expanding it is what an alias bomb abuses), and so is a file past
 * {@link RuleFileReader#MAX_CODE_POINTS}.
 */
class RuleFileLimitsTest {
    /** Nine levels of ten aliases each: 10^9 strings if expanded, from under 1 KB of YAML. */
    static String aliasBomb() {
        StringBuilder sb = new StringBuilder("- list: l0\n  items: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 9; i++) {
            sb.append("- list: l").append(i).append("\n  items: &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) {
                sb.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            }
            sb.append("]\n");
        }
        return sb.append("""
            - rule: Bomb
              desc: d
              condition: evt.type = execve and proc.name in (l9)
              output: o
              priority: NOTICE
            """).toString();
    }

    @Test
    void anAliasBombIsAnErrorNamingTheFileAndLine() {
        LoadResult r = LoaderTest.load(aliasBomb());
        assertEquals(1, r.errors(), r.problems().toString());
        Problem p = r.problems().get(0);
        assertEquals(Problem.Kind.ERROR, p.kind());
        assertEquals("f1.yaml", p.file());
        assertEquals(4, p.line(), p.toString());
        assertTrue(p.reason().contains("YAML alias *a0 is not supported"), p.toString());
        assertEquals(0, r.loaded(), "nothing after the alias is read");
    }

    @Test
    void anAliasIsNeverReadAsTheAnchorsName() {
        LoadResult r = LoaderTest.load("""
            - list: shells
              items: &sh [bash, sh]
            - list: more_shells
              items: *sh
            """, LoaderTest.BASE);
        assertEquals(1, r.errors(), r.problems().toString());
        assertEquals("f1.yaml:4", r.problems().get(0).file() + ":" + r.problems().get(0).line());
        // The second file still loads: the error stops only the file that holds the alias.
        assertEquals(List.of("Shell"), r.matcher().ruleNames());
    }

    @Test
    void aFileOverTheCodePointLimitIsAnErrorNamingTheFile() {
        StringBuilder sb = new StringBuilder(RuleFileReader.MAX_CODE_POINTS + 64).append("- list: big\n  items: [");
        while (sb.length() < RuleFileReader.MAX_CODE_POINTS + 16) {
            sb.append("xxxxxxx, ");
        }
        LoadResult r = LoaderTest.load(sb.append("x]\n").toString());
        assertEquals(1, r.errors(), r.problems().toString());
        Problem p = r.problems().get(0);
        assertEquals("f1.yaml", p.file());
        assertTrue(p.reason().contains("exceeds the limit: " + RuleFileReader.MAX_CODE_POINTS + " code points"), p.toString());
    }
}
