package dev.vigil.rules;

/**
 * Something found while loading rule files, where it is: an error (the set is refused), a skipped
 * rule (it names something the agent cannot supply; the others still load), or a warning.
 */
public record Problem(String file, int line, Kind kind, String reason) {
    public enum Kind { ERROR, SKIPPED, WARNING }

    /** {@code file:line: reason}, as {@code vigil rules check} prints it. */
    @Override
    public String toString() {
        String what = switch (kind) {
            case ERROR -> "error: ";
            case SKIPPED -> "skipped: ";
            case WARNING -> "warning: ";
        };
        return file + ":" + line + ": " + what + reason;
    }
}
