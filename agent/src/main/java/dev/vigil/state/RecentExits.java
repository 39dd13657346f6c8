package dev.vigil.state;

/**
 * Where each process that left the table on its {@code procexit} was (its container key), kept for a
 * short while. The kernel reports a process's exit ({@code sched_process_exit}) before it gives its
 * children to a new parent, so a child's next line may still name as {@code proc.ppid} a parent whose
 * entry is gone. {@code runc exec -d} (and the shim's {@code runc exec --detach} under {@code docker exec}
 * and {@code kubectl exec}) exits as its command starts: the command's exec, its first line in the
 * container, often names the runc that just exited. Asked where that parent was, this answers.
 *
 * <p>Direct-mapped and fixed-size, as {@link NegativePidCache}: an exit may push out another, which then
 * answers nothing (the caller treats its parent as unknown, as before). Allocates nothing after construction.
 *
 * <p>Not thread-safe: pipeline thread only.
 */
final class RecentExits {
    /** The answer of {@link #containerOf} for a pid that did not exit lately. */
    static final long NOT_REMEMBERED = Long.MIN_VALUE;

    private final int[] pids;
    private final long[] containerKeys;
    private final long[] expiresNanos;
    private final int mask;
    private final long ttlNanos;

    RecentExits(int capacity, long ttlNanos) {
        int size = Integer.highestOneBit(Math.max(16, capacity - 1)) << 1;
        pids = new int[size];
        containerKeys = new long[size];
        expiresNanos = new long[size];
        mask = size - 1;
        this.ttlNanos = ttlNanos;
    }

    private int slot(int pid) {
        return (pid * 0x9E3779B1 >>> 7) & mask;
    }

    /** Process {@code pid}, in {@code containerKey} (a container, the host, or unknown), exited now. */
    void exited(int pid, long containerKey, long nowNanos) {
        int i = slot(pid);
        pids[i] = pid;
        containerKeys[i] = containerKey;
        expiresNanos[i] = nowNanos + ttlNanos;
    }

    /** Where {@code pid} was when it exited lately, or {@link #NOT_REMEMBERED}. */
    long containerOf(int pid, long nowNanos) {
        int i = slot(pid);
        return pids[i] == pid && expiresNanos[i] - nowNanos > 0 ? containerKeys[i] : NOT_REMEMBERED;
    }

    /** Forgets a pid: a clone made it again, so the table answers for it now. */
    void forget(int pid) {
        int i = slot(pid);
        if (pids[i] == pid) {
            pids[i] = 0;
            expiresNanos[i] = 0;
        }
    }
}
