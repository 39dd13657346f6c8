package dev.vigil.rules;

import java.util.List;
import java.util.Map;

/**
 * The outcome of loading rule files together: every problem in file order, the counts, and the
 * matcher built from the rules that loaded (built even when there are errors, for diagnostics; a
 * caller that must refuse a bad set checks {@link #errors()}).
 *
 * @param loaded   enabled rules that compiled and run
 * @param skipped  rules skipped for a field, transformer or source the agent cannot supply
 * @param disabled rules with {@code enabled: false}
 * @param errors   errors: syntax, undefined macros, bad values, malformed items
 * @param lists    every list as the loaded rules see it (appends and overrides applied, nested lists
 *                 expanded, quotes off), by name: what a part outside the rules that must agree with them
 *                 reads ({@code vigil posture}'s {@code vigil_posture_trusted_images})
 */
public record LoadResult(List<Problem> problems, int loaded, int skipped, int disabled, int errors, RuleEngine matcher,
                         Map<String, List<String>> lists) {
    public LoadResult {
        problems = List.copyOf(problems);
        lists = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(lists));
    }

    /** The items of list {@code name} as loaded; empty when no rule file defines it. */
    public List<String> list(String name) {
        return lists.getOrDefault(name, List.of());
    }

    /** The summary line of {@code vigil rules check}. */
    public String summary() {
        return "rules: " + loaded + " loaded, " + skipped + " skipped, " + errors + " errors";
    }
}
