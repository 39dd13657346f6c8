package dev.vigil.rules;

import java.util.List;

/**
 * The outcome of loading rule files together: every problem in file order, the counts, and the
 * matcher built from the rules that loaded (built even when there are errors, for diagnostics; a
 * caller that must refuse a bad set checks {@link #errors()}).
 *
 * @param loaded   enabled rules that compiled and run
 * @param skipped  rules skipped for a field, transformer or source the agent cannot supply
 * @param disabled rules with {@code enabled: false}
 * @param errors   errors: syntax, undefined macros, bad values, malformed items
 */
public record LoadResult(List<Problem> problems, int loaded, int skipped, int disabled, int errors, RuleEngine matcher) {
    public LoadResult {
        problems = List.copyOf(problems);
    }

    /** The summary line of {@code vigil rules check}. */
    public String summary() {
        return "rules: " + loaded + " loaded, " + skipped + " skipped, " + errors + " errors";
    }
}
