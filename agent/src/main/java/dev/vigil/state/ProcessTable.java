package dev.vigil.state;

/**
 * The live processes the agent knows, keyed by pid (thread-group id): a fixed-capacity table of
 * preallocated columns (struct of arrays, indexed by an entry number), a primitive pid index, a free
 * list, and a least-recently-seen list used to evict when the table is full. Nothing is allocated
 * after construction; entries refer to Strings the caller interned.
 *
 * <p>An entry number is valid until the entry is removed or evicted; the caller re-finds by pid for
 * every event rather than keeping numbers across events.
 *
 * <p>Threading: pipeline thread only. {@link #size()} may be read racily by a metrics gauge.
 */
final class ProcessTable {
    /** The process's container is unknown (not read from /proc, not sent): leave container fields alone. */
    static final long CONTAINER_UNKNOWN = -2;

    /** {@link #setup}: the workload (or a host process): what it does is its own. */
    static final byte WORKLOAD = 0;
    /** {@link #setup}: forked by the runtime's set-up inside the container, before the hand-over. */
    static final byte SETUP_FORKED = 1;
    /** {@link #setup}: entered the container from outside (the runtime's own process), before the hand-over. */
    static final byte SETUP_ENTERED = 2;

    /** Called with the container key of every entry that leaves the table (removed or evicted). */
    interface Departure {
        void departed(long containerKey, boolean evicted);
    }

    private final int capacity;
    private final LongIntIndex index;
    private final Departure departure;

    final int[] pid;
    final int[] ppid;
    final long[] uid;
    final long[] capEffective;
    final long[] capPermitted;
    final long[] capInheritable;
    /** Bits of which cap sets are known: 1 eff, 2 prm, 4 inh. */
    final byte[] capsKnown;
    /** proc.name, proc.exepath, proc.cmdline as UTF-8 ({@link TextInterner}'s arrays: never written). */
    final byte[][] name;
    final byte[][] exepath;
    final byte[][] cmdline;
    final long[] containerKey;
    /** Set while the entry still wants a /proc read (the first try was over the rate limit). */
    final boolean[] procPending;
    /** The capabilities were read from /proc (a running program), not carried by an event. */
    final boolean[] capsFromProc;
    /** The container was read from this pid's /proc cgroup and names one: it wins over a wire container.id. */
    final boolean[] containerFromProc;
    /**
     * Whether the process is the container runtime's set-up ({@link #SETUP_ENTERED}, {@link #SETUP_FORKED})
     * or the workload ({@link #WORKLOAD}); see {@code ProcessLifecycle}.
     */
    final byte[] setup;
    /** The process, or an ancestor it was forked from, has been seen in a container: it cannot enter one from the host. */
    final boolean[] beenInContainer;

    // Least-recently-seen list over used entries: head is the most recent.
    private final int[] prev;
    private final int[] next;
    private int head = -1;
    private int tail = -1;
    // Free entries, chained through next[].
    private int freeHead;
    private int size;

    ProcessTable(int capacity, Departure departure) {
        this.capacity = capacity;
        this.departure = departure;
        this.index = new LongIntIndex(capacity);
        pid = new int[capacity];
        ppid = new int[capacity];
        uid = new long[capacity];
        capEffective = new long[capacity];
        capPermitted = new long[capacity];
        capInheritable = new long[capacity];
        capsKnown = new byte[capacity];
        name = new byte[capacity][];
        exepath = new byte[capacity][];
        cmdline = new byte[capacity][];
        containerKey = new long[capacity];
        procPending = new boolean[capacity];
        capsFromProc = new boolean[capacity];
        containerFromProc = new boolean[capacity];
        setup = new byte[capacity];
        beenInContainer = new boolean[capacity];
        prev = new int[capacity];
        next = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            next[i] = i + 1 < capacity ? i + 1 : -1;
        }
        freeHead = 0;
    }

    /** The entry of a pid, or -1. Does not count as a sighting (see {@link #touch}). */
    int find(int p) {
        return index.get(p);
    }

    /**
     * A fresh entry for a pid (an existing one is reset in place), marked most recent. When the table
     * is full the least recently seen entry is evicted first.
     */
    int insert(int p) {
        int e = index.get(p);
        if (e >= 0) {
            long old = containerKey[e];
            reset(e, p);
            departure.departed(old, false);
            touch(e);
            return e;
        }
        if (freeHead < 0) {
            int victim = tail;
            long victimContainer = containerKey[victim];
            unlink(victim);
            index.remove(this.pid[victim]);
            size--;
            next[victim] = freeHead;
            freeHead = victim;
            departure.departed(victimContainer, true);
        }
        e = freeHead;
        freeHead = next[e];
        reset(e, p);
        index.put(p, e);
        size++;
        linkHead(e);
        return e;
    }

    /** Marks the entry most recently seen. */
    void touch(int e) {
        if (head == e) {
            return;
        }
        unlink(e);
        linkHead(e);
    }

    void remove(int e) {
        long old = containerKey[e];
        unlink(e);
        index.remove(pid[e]);
        name[e] = null;
        exepath[e] = null;
        cmdline[e] = null;
        size--;
        next[e] = freeHead;
        freeHead = e;
        departure.departed(old, false);
    }

    /** Copies what a child inherits at fork from its parent's entry. */
    void inherit(int child, int parent) {
        uid[child] = uid[parent];
        capEffective[child] = capEffective[parent];
        capPermitted[child] = capPermitted[parent];
        capInheritable[child] = capInheritable[parent];
        capsKnown[child] = capsKnown[parent];
        name[child] = name[parent];
        exepath[child] = exepath[parent];
        cmdline[child] = cmdline[parent];
        containerKey[child] = containerKey[parent];
        ppid[child] = pid[parent];
        setup[child] = setup[parent] == WORKLOAD ? WORKLOAD : SETUP_FORKED; // the runtime's own forks
        beenInContainer[child] = beenInContainer[parent];
    }

    int size() {
        return size;
    }

    int capacity() {
        return capacity;
    }

    private void reset(int e, int p) {
        pid[e] = p;
        ppid[e] = 0;
        uid[e] = -1;
        capEffective[e] = 0;
        capPermitted[e] = 0;
        capInheritable[e] = 0;
        capsKnown[e] = 0;
        name[e] = null;
        exepath[e] = null;
        cmdline[e] = null;
        containerKey[e] = CONTAINER_UNKNOWN;
        procPending[e] = false;
        capsFromProc[e] = false;
        containerFromProc[e] = false;
        setup[e] = WORKLOAD;
        beenInContainer[e] = false;
    }

    private void unlink(int e) {
        int p = prev[e];
        int n = next[e];
        if (p >= 0) {
            next[p] = n;
        } else {
            head = n;
        }
        if (n >= 0) {
            prev[n] = p;
        } else {
            tail = p;
        }
    }

    private void linkHead(int e) {
        prev[e] = -1;
        next[e] = head;
        if (head >= 0) {
            prev[head] = e;
        }
        head = e;
        if (tail < 0) {
            tail = e;
        }
    }
}
