package dev.vigil.state;

import dev.vigil.runtime.ContainerIdentity;

/**
 * The containers the agent knows, keyed by {@link ContainerIds#key} of the short id: per container
 * its short id text (what {@code container.id} says; a key is not always turned back into text, a
 * named container's is a hash), the runtime's identity (null until resolved), whether a lookup was
 * asked for, whether the runtime deleted it, its pids limit (and where it came from), its pids cgroup directory, the live process
 * count kept by the process table, whether it was seen privileged, the union of the capability sets
 * seen in it, and the last {@code pids.events} max counter read. Fixed capacity; when full, the least
 * recently seen container (one without live processes if there is one) is evicted.
 *
 * <p>Threading: pipeline thread only. {@link #size()} may be read racily by a metrics gauge.
 */
final class ContainerTable {
    private final int capacity;
    private final LongIntIndex index;

    final long[] key;
    final boolean[] used;
    final long[] pidsLimit;
    /** True when the limit came from an event's container.pids_limit (it wins over the cgroup). */
    final boolean[] limitFromEvent;
    final String[] pidsCgroupDir;
    final int[] live;
    final boolean[] privileged;
    final long[] capsSeen;
    /** The last pids.events max counter read; -1 before the first read. */
    final long[] eventsMax;
    /** Monotonic ns when the container was last seen in an event or with live processes. */
    final long[] lastSeenNanos;
    /** The short id text, as container.id is written: set at insert, never derived from the key. */
    final String[] idText;
    /** What the runtime says of the container; null until resolved (set through {@link #setIdentity}). */
    final ContainerIdentity[] identity;
    /** A lookup was asked for, and when it may be asked again (monotonic ns) while unresolved. */
    final boolean[] identityRequested;
    final long[] nextRequestNanos;
    /** The runtime reported the container deleted: the entry leaves with its last live process. */
    final boolean[] deleted;
    /** Its workload's sandbox, read once as it started; null until read (set through {@link #setSandbox}). */
    final SandboxFacts[] sandbox;
    /** {@link #SANDBOX_UNREAD}, {@link #SANDBOX_ASKED} or {@link #SANDBOX_DONE}. */
    final byte[] sandboxState;
    static final byte SANDBOX_UNREAD = 0;
    static final byte SANDBOX_ASKED = 1;
    static final byte SANDBOX_DONE = 2;
    /** Containers in the table per finding of their sandbox (by ordinal); read racily by gauges. */
    private final int[] findingCounts = new int[SandboxFinding.values().length];

    private int size;
    private long evictions;
    private int identified;

    ContainerTable(int capacity) {
        this.capacity = capacity;
        this.index = new LongIntIndex(capacity);
        key = new long[capacity];
        used = new boolean[capacity];
        pidsLimit = new long[capacity];
        limitFromEvent = new boolean[capacity];
        pidsCgroupDir = new String[capacity];
        live = new int[capacity];
        privileged = new boolean[capacity];
        capsSeen = new long[capacity];
        eventsMax = new long[capacity];
        lastSeenNanos = new long[capacity];
        idText = new String[capacity];
        identity = new ContainerIdentity[capacity];
        identityRequested = new boolean[capacity];
        nextRequestNanos = new long[capacity];
        deleted = new boolean[capacity];
        sandbox = new SandboxFacts[capacity];
        sandboxState = new byte[capacity];
    }

    int find(long k) {
        return index.get(k);
    }

    /** A new entry for a key not in the table, with its short id text; evicts one first when full. */
    int insert(long k, String shortIdText, long nowNanos) {
        int e;
        if (size == capacity) {
            e = victim();
            index.remove(key[e]);
            setIdentity(e, null);
            setSandbox(e, null);
            evictions++;
        } else {
            e = firstFree();
            size++;
        }
        used[e] = true;
        key[e] = k;
        pidsLimit[e] = ProcReader.LIMIT_UNKNOWN;
        limitFromEvent[e] = false;
        pidsCgroupDir[e] = null;
        live[e] = 0;
        privileged[e] = false;
        capsSeen[e] = 0;
        eventsMax[e] = -1;
        lastSeenNanos[e] = nowNanos;
        idText[e] = shortIdText;
        identityRequested[e] = false;
        nextRequestNanos[e] = 0;
        deleted[e] = false;
        sandboxState[e] = SANDBOX_UNREAD;
        index.put(k, e);
        return e;
    }

    void remove(int e) {
        index.remove(key[e]);
        used[e] = false;
        pidsCgroupDir[e] = null;
        idText[e] = null;
        setIdentity(e, null);
        setSandbox(e, null);
        size--;
    }

    /** Sets (or, with null, drops) an entry's sandbox, keeping the counts per finding. */
    void setSandbox(int e, SandboxFacts f) {
        if (sandbox[e] != null) {
            for (SandboxFinding x : sandbox[e].findings) {
                findingCounts[x.ordinal()]--;
            }
        }
        if (f != null) {
            for (SandboxFinding x : f.findings) {
                findingCounts[x.ordinal()]++;
            }
        }
        sandbox[e] = f;
    }

    /** Containers in the table whose sandbox has {@code finding}. */
    int withFinding(SandboxFinding finding) {
        return findingCounts[finding.ordinal()];
    }

    /** Sets (or, with null, drops) an entry's identity, keeping the count of identified containers. */
    void setIdentity(int e, ContainerIdentity id) {
        if (identity[e] == null && id != null) {
            identified++;
        } else if (identity[e] != null && id == null) {
            identified--;
        }
        identity[e] = id;
    }

    /** Containers with an identity. */
    int identified() {
        return identified;
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    /** Entries evicted because the table was full, since construction. */
    long evictions() {
        return evictions;
    }

    private int firstFree() {
        for (int i = 0; i < capacity; i++) {
            if (!used[i]) {
                return i;
            }
        }
        throw new IllegalStateException("no free container entry although size < capacity");
    }

    // A linear scan: containers are created at most a few per second, so eviction is rare.
    private int victim() {
        int best = -1;
        boolean bestIdle = false;
        for (int i = 0; i < capacity; i++) {
            boolean idle = live[i] <= 0;
            if (best < 0 || (idle && !bestIdle) || (idle == bestIdle && lastSeenNanos[i] < lastSeenNanos[best])) {
                best = i;
                bestIdle = idle;
            }
        }
        return best;
    }
}
