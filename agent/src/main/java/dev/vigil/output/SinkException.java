package dev.vigil.output;

/** A sink's failure to deliver: retryable (try again later) or permanent (never accepted). */
public final class SinkException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;

    private SinkException(String message, Throwable cause, boolean retryable) {
        super(message, cause);
        this.retryable = retryable;
    }

    public static SinkException retryable(String message, Throwable cause) {
        return new SinkException(message, cause, true);
    }

    public static SinkException permanent(String message) {
        return new SinkException(message, null, false);
    }

    public boolean retryable() {
        return retryable;
    }
}
