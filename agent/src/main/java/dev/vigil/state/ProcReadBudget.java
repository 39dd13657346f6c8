package dev.vigil.state;

/**
 * At most N /proc reads per second (a fixed one-second window), so that a flood of unknown pids
 * cannot stall the pipeline thread on file reads. Not thread-safe: pipeline thread only.
 */
final class ProcReadBudget {
    private static final long WINDOW_NANOS = 1_000_000_000L;
    private final int perSecond;
    private long windowStart = Long.MIN_VALUE;
    private int used;

    ProcReadBudget(int perSecond) {
        this.perSecond = perSecond;
    }

    boolean tryAcquire(long nowNanos) {
        if (windowStart == Long.MIN_VALUE || nowNanos - windowStart >= WINDOW_NANOS) {
            windowStart = nowNanos;
            used = 0;
        }
        if (used >= perSecond) {
            return false;
        }
        used++;
        return true;
    }
}
