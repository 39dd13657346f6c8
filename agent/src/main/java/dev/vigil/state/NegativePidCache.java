package dev.vigil.state;

/**
 * Pids whose /proc entry was found gone, remembered for a while so that a stream of events for a
 * vanished (or never existing) pid costs one failed read, not one per event. Direct-mapped and
 * fixed-size: a new pid may push out another, which only costs that one a second read.
 *
 * <p>Not thread-safe: pipeline thread only.
 */
final class NegativePidCache {
    private final int[] pids;
    private final long[] expiresNanos;
    private final int mask;
    private final long ttlNanos;

    NegativePidCache(int capacity, long ttlNanos) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        pids = new int[size];
        expiresNanos = new long[size];
        mask = size - 1;
        this.ttlNanos = ttlNanos;
    }

    private int slot(int pid) {
        return (pid * 0x9E3779B1 >>> 7) & mask;
    }

    void add(int pid, long nowNanos) {
        int i = slot(pid);
        pids[i] = pid;
        expiresNanos[i] = nowNanos + ttlNanos;
    }

    boolean contains(int pid, long nowNanos) {
        int i = slot(pid);
        return pids[i] == pid && expiresNanos[i] - nowNanos > 0;
    }

    /** Forgets a pid: it was just created by a clone, so /proc may have it now. */
    void forget(int pid) {
        int i = slot(pid);
        if (pids[i] == pid) {
            expiresNanos[i] = 0;
            pids[i] = 0;
        }
    }
}
