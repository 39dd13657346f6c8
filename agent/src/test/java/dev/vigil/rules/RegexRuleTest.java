package dev.vigil.rules;

import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/**
 * The {@code regex} operator (issue 16, finding 2): RE2 semantics and linear-time matching, so a value
 * crafted against a backtracking engine cannot stall the pipeline or throw out of it.
 */
class RegexRuleTest {
    /** The red-team rule: nested quantifiers, exponential for a backtracking engine on a near miss. */
    static final String REDOS = """
        - rule: Word command line
          desc: red-team ReDoS probe
          condition: evt.type = execve and proc.cmdline regex "(\\w+\\s?)*"
          output: words %proc.cmdline
          priority: NOTICE
        """;

    static List<String> fired(LoadResult r, Event e) {
        return LoaderTest.fire(r, e).stream().map(a -> a.rule()).toList();
    }

    static Event exec(String cmdline) {
        return TestEvents.event("execve", "proc.name", "x", "proc.cmdline", cmdline, "container.id", "de6b9f00ba11");
    }

    @Test
    void craftedFiftyKilobyteValuesGetTheRightAnswer() {
        LoadResult r = LoaderTest.load(REDOS);
        assertEquals(0, r.errors() + r.skipped(), r.problems().toString());
        // A near miss: 50 KB of word characters and one that is not. java.util.regex takes ~17 s on it.
        assertEquals(List.of(), fired(r, exec("a".repeat(50_000) + "!")));
        // 50 KB of words that match: java.util.regex recurses per repetition and throws StackOverflowError.
        assertEquals(List.of("Word command line"), fired(r, exec("ab ".repeat(16_700))));
        assertEquals(List.of("Word command line"), fired(r, exec("x".repeat(50_000))));
        // The matcher is reused: an ordinary event after the crafted ones still gets its answer.
        assertEquals(List.of("Word command line"), fired(r, exec("sleep 10")));
        assertEquals(List.of(), fired(r, exec("sh -c 'id'")));
    }

    static Stream<Arguments> falcoStylePatterns() {
        return Stream.of(
            // Full match, as Falco's regex: no implicit .* on either side.
            arguments("proc.exepath regex '/usr/bin/(ba|z)sh'", "proc.exepath", "/usr/bin/zsh", true),
            arguments("proc.exepath regex 'bin'", "proc.exepath", "/usr/bin/zsh", false),
            arguments("proc.exepath regex '.*bin.*'", "proc.exepath", "/usr/bin/zsh", true),
            // Character classes, counted repetition, Perl classes and non-greedy forms.
            arguments("container.image.repository regex '[a-z0-9.-]+/[a-z]+'", "container.image.repository",
                "docker.io/nginx", true),
            arguments("proc.name regex 'kworker/[0-9]{1,3}:[0-9]+'", "proc.name", "kworker/12:0", true),
            arguments("proc.name regex 'kworker/[0-9]{1,3}:[0-9]+'", "proc.name", "kworker/1234:0", false),
            arguments("proc.cmdline regex '.*\\s-c\\s.*?'", "proc.cmdline", "sh -c id", true),
            // Inline flags: RE2 syntax (?i).
            arguments("proc.name regex '(?i)NC(at)?'", "proc.name", "ncat", true),
            // '.' does not match a newline unless (?s), as in RE2.
            arguments("proc.cmdline regex 'a.b'", "proc.cmdline", "a\nb", false),
            arguments("proc.cmdline regex '(?s)a.b'", "proc.cmdline", "a\nb", true),
            // \w is ASCII in RE2.
            arguments("proc.name regex '\\w+'", "proc.name", "caf\u00e9", false));
    }

    @ParameterizedTest
    @MethodSource("falcoStylePatterns")
    void re2SemanticsOnFalcoStylePatterns(String condition, String field, String value, boolean fires) {
        LoadResult r = LoaderTest.load("""
            - rule: R
              desc: d
              condition: evt.type = execve and %s
              output: o
              priority: NOTICE
            """.formatted(condition));
        assertEquals(0, r.errors() + r.skipped(), r.problems().toString());
        Event e = TestEvents.event("execve", field, value);
        assertEquals(fires ? List.of("R") : List.of(), fired(r, e), condition + " on " + value);
    }

    @Test
    void aPatternRe2RejectsSkipsItsRuleWithTheReasonAndTheOthersLoad() {
        LoadResult r = LoaderTest.load("""
            - rule: Backreference
              desc: d
              condition: evt.type = execve and proc.cmdline regex '(a+)\\1'
              output: o
              priority: NOTICE
            - rule: Lookahead
              desc: d
              condition: evt.type = execve and proc.cmdline regex 'a(?=b)'
              output: o
              priority: NOTICE
            """ + REDOS);
        assertEquals(0, r.errors(), r.problems().toString());
        assertEquals(2, r.skipped(), r.problems().toString());
        assertEquals(1, r.loaded());
        Problem backref = r.problems().get(0);
        assertEquals(Problem.Kind.SKIPPED, backref.kind());
        assertEquals("f1.yaml", backref.file());
        assertEquals(1, backref.line());
        assertTrue(backref.reason().contains("regex '(a+)\\1'") && backref.reason().contains("not RE2 syntax"),
            backref.toString());
        Problem lookahead = r.problems().get(1);
        assertEquals(6, lookahead.line(), lookahead.toString());
        assertTrue(lookahead.reason().contains("not RE2 syntax"), lookahead.toString());
    }
}
