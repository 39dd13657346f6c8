package dev.vigil.rules;

/**
 * A rule, macro or list that cannot be compiled. {@link #skip()} is true when the text is valid but
 * names something the agent cannot supply (an unknown field, an unsupported transformer): the rule is
 * skipped; false for a real error (syntax, undefined macro, bad value).
 */
public final class RuleCompileException extends Exception {
    private final boolean skip;

    RuleCompileException(String reason, boolean skip) {
        super(reason);
        this.skip = skip;
    }

    static RuleCompileException skip(String reason) {
        return new RuleCompileException(reason, true);
    }

    static RuleCompileException error(String reason) {
        return new RuleCompileException(reason, false);
    }

    public boolean skip() {
        return skip;
    }
}
