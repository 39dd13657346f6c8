package dev.vigil.output;

/** A sink's failure to deliver: retryable (try again later) or permanent (never accepted). */
public final class SinkException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean retryable;
    private final int rejected;

    private SinkException(String message, Throwable cause, boolean retryable, int rejected) {
        super(message, cause);
        this.retryable = retryable;
        this.rejected = rejected;
    }

    public static SinkException retryable(String message, Throwable cause) {
        return new SinkException(message, cause, true, 0);
    }

    public static SinkException permanent(String message) {
        return new SinkException(message, null, false, 1);
    }

    /**
     * From {@link AlertSink#flush()}: everything flushed was delivered except {@code rejected} alerts,
     * which failed for good (counted failed, not retried).
     */
    public static SinkException partial(String message, int rejected) {
        return new SinkException(message, null, false, rejected);
    }

    /** Alerts this failure rejected for good (permanent failures only). */
    public int rejected() {
        return rejected;
    }

    public boolean retryable() {
        return retryable;
    }
}
