package dev.vigil.output;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A delivery's retry delay: exponential from {@code initial}, doubling per failed attempt, capped at
 * {@code max}, with "equal jitter" (a random time between half the delay and the delay), so that the
 * outputs of many nodes do not retry a recovering destination in step. Not thread-safe: one delivery
 * thread.
 */
public final class Backoff {
    private final long initialNanos;
    private final long maxNanos;
    /** Failed attempts since the last success. */
    private int attempts;

    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero()) {
            throw new IllegalArgumentException("initial backoff must be positive");
        }
        this.initialNanos = initial.toNanos();
        this.maxNanos = max.toNanos();
    }

    /** Counts a failed attempt; the time to wait before the next one, in nanoseconds. */
    public long failed() {
        attempts++;
        long delay = Math.min(initialNanos << Math.min(attempts - 1, 20), maxNanos);
        return delay / 2 + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
    }

    /** A success: the next failure waits the initial delay again. */
    public void reset() {
        attempts = 0;
    }

    int attempts() {
        return attempts;
    }
}
