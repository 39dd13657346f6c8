package dev.vigil.rules;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Macro and list expansion: what it yields, and where it says a cycle or an over-deep chain is. */
class MacroResolverTest {
    @Test
    void expandsMacrosInsideMacrosAndListsInsideLists() throws Exception {
        MacroResolver r = MacroResolver.ofText(
            Map.of("outer", "inner and not proc.name in (shells)", "inner", "evt.type = execve"),
            Map.of("shells", List.of("bash", "more"), "more", List.of("zsh", "'more'")));
        Ast a = r.resolve(ConditionParser.parse("outer"));
        Ast.And and = assertInstanceOf(Ast.And.class, a);
        Ast.Compare type = assertInstanceOf(Ast.Compare.class, and.children().get(0));
        assertEquals(new Ast.Scalar("execve", false), type.value());
        Ast.Compare in = assertInstanceOf(Ast.Compare.class, assertInstanceOf(Ast.Not.class, and.children().get(1)).child());
        // a quoted item is a string, never a list name
        assertEquals(new Ast.ListValue(List.of(new Ast.Scalar("bash", false), new Ast.Scalar("zsh", false),
            new Ast.Scalar("more", true))), in.value());
    }

    @Test
    void aMacroCycleNamesTheChainAndWhereItStarts() {
        LoadResult res = LoaderTest.load("""
            - rule: Loop
              condition: evt.type = open and a
              output: o
              priority: INFO
            - macro: a
              condition: proc.name = x or b
            - macro: b
              condition: c
            - macro: c
              condition: a
            """);
        assertEquals(1, res.errors(), res.problems().toString());
        String p = res.problems().get(0).toString();
        assertTrue(p.startsWith("f1.yaml:1: error: rule 'Loop': macro 'a' refers to itself: a -> b -> c -> a"), p);
        assertTrue(p.contains("f1.yaml:5"), "names where macro a is defined: " + p);
    }

    @Test
    void aListCycleNamesWhereTheListIsDefined() {
        LoadResult res = LoaderTest.load("""
            - list: l1
              items: [a, l2]
            - list: l2
              items: [l1]
            - rule: Loop
              condition: proc.name in (l1)
              output: o
              priority: INFO
            """);
        assertEquals(1, res.errors(), res.problems().toString());
        String p = res.problems().get(0).toString();
        assertTrue(p.startsWith("f1.yaml:5: error: rule 'Loop': list 'l1' refers to itself: l1 -> l2 -> l1"), p);
        assertTrue(p.contains("(defined at f1.yaml:1)"), p);
    }

    @Test
    void theFirstFileDefinesTheMacroAndTheLastDecidesItsText() {
        // the macro is fine once the second file replaces its cycle
        LoadResult res = LoaderTest.load("""
            - macro: a
              condition: a
            - rule: R
              condition: evt.type = open and a
              output: o
              priority: INFO
            """, """
            - macro: a
              condition: proc.name = x
              override:
                condition: replace
            """);
        assertEquals(0, res.errors(), res.problems().toString());
        assertEquals(1, res.loaded());
    }

    @Test
    void anOverDeepChainNamesTheMacroWhereItStoppedWithItsLine() {
        int n = MacroResolver.MAX_EXPANDED_DEPTH + 5;
        StringBuilder y = new StringBuilder();
        for (int i = 0; i < n; i++) {
            // macro m<i> is the item on line 2i+1
            y.append("- macro: m").append(i).append("\n  condition: m").append(i + 1).append("\n");
        }
        y.append("- macro: m").append(n).append("\n  condition: proc.name = x\n");
        y.append("- rule: Deep\n  condition: evt.type = open and m0\n  output: o\n  priority: INFO\n");
        LoadResult res = LoaderTest.load(y.toString());
        assertEquals(1, res.errors(), res.problems().toString());
        String p = res.problems().get(0).toString();
        Matcher m = Pattern.compile("nests too deep after macro expansion in macro 'm(\\d+)' \\(f1\\.yaml:(\\d+)\\)").matcher(p);
        assertTrue(m.find(), p);
        assertEquals(2 * Integer.parseInt(m.group(1)) + 1, Integer.parseInt(m.group(2)), p);
    }

    @Test
    void anUnusedMacroWithASyntaxErrorIsReportedAtItsLine() {
        LoadResult res = LoaderTest.load("""
            - rule: R
              condition: evt.type = open
              output: o
              priority: INFO
            - macro: broken
              condition: proc.name = (
            """);
        assertEquals(1, res.errors());
        assertTrue(res.problems().get(0).toString().startsWith("f1.yaml:5: error: macro 'broken': syntax error at 1:"),
            res.problems().get(0).toString());
        assertEquals(1, res.loaded());
    }

    @Test
    void anUndefinedMacroSaysWhereInTheCondition() {
        MacroResolver r = MacroResolver.ofText(Map.of(), Map.of());
        RuleCompileException e = assertThrows(RuleCompileException.class,
            () -> r.resolve(ConditionParser.parse("evt.type = open and\n  nope")));
        assertEquals("undefined macro 'nope' at 2:3", e.getMessage());
        assertFalse(e.skip());
    }
}
