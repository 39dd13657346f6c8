package dev.vigil.rules;

/** A condition that does not parse: the reason and where (1-based line and column in the condition). */
public final class ConditionSyntaxException extends Exception {
    private final int line;
    private final int column;

    public ConditionSyntaxException(String reason, int line, int column) {
        super(line + ":" + column + ": " + reason);
        this.line = line;
        this.column = column;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }
}
