package dev.vigil.state;

import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;

/**
 * The process table's life cycle from the events: an event's pid is found, or created (a thin
 * event's entry read from /proc); the fields the producer sent update the entry ({@code execve}
 * replaces name, exe path, command line and capabilities); {@code clone/clone3/fork/vfork} with
 * {@code evt.res > 0} (and no {@code CLONE_THREAD}) create the child, inheriting the parent's fields
 * and container; {@code procexit} removes the entry (after the event is filled).
 *
 * <p>A wire container.id moves the process to that container, unless the process's own /proc cgroup
 * named a container: then the cgroup wins, the mismatch is counted, and {@link #wireIdOverruled()}
 * tells the filler to write the cgroup's id over the event's.
 *
 * <p><b>The runtime's set-up</b> ({@code proc.is_container_setup}, {@link ProcessTable#setup}) is told
 * from the workload by where a process came from, never by its name or executable, which the workload
 * chooses. What the sensor shows of a runc start (runc 1.1 under containerd, Docker and by hand, on
 * this kernel): {@code runc} on the host forks a child that execs {@code /proc/self/exe init} (comm
 * {@code exe}) and, from a memfd, {@code /dev/fd/N} ({@code runc init}), still in the host's cgroup or
 * already moved into the container's (runc moves it while it starts: under load its {@code exe}
 * mounts land inside); its first event inside is {@code runc:[0:PARENT]} cloning
 * {@code runc:[1:CHILD]} (which unshares), which clones {@code runc:[2:INIT]} (mounts, pivot_root,
 * sethostname), which execs the entrypoint with the container's capabilities. {@code runc exec} and
 * {@code ctr task exec} / {@code docker exec} do the same with setns. So:
 * <ul>
 * <li>a process <em>enters</em> a container when an event shows it in container C while its entry was
 *     known outside C (on the host, or in another container: a runtime nested in a container) and its
 *     parent is known and not in C: it is the runtime's ({@link ProcessTable#SETUP_ENTERED}). A process that
 *     was ever in a container (or forked from one that was) does not enter from the host: a
 *     container's init (its parent is outside) moved to the host's cgroup and back stays the
 *     workload;</li>
 * <li>its forks inherit the mark ({@link ProcessTable#SETUP_FORKED}): the runtime's stages;</li>
 * <li>the mark ends at the process's first successful {@code execve} that is not the runtime
 *     re-executing itself: the hand-over to the entrypoint or the exec'd command, from which on the
 *     process is the workload. A re-exec keeps the mark only in a process that entered itself (runc's
 *     memfd copy, {@code /proc/self/exe}); a forked stage's exec is always the hand-over, so an
 *     image whose entrypoint is {@code /proc/self/exe} or {@code /dev/fd/N} gets no exemption;</li>
 * <li>a process created inside the container (its fork seen there) is the workload, whatever its
 *     name or executable: nothing in a container can make a process whose parent is outside it. Only
 *     a process with write access to the host's cgroup tree (a privileged container, or one that
 *     mounted it: itself a CAP_SYS_ADMIN syscall, alerted) can move itself; back into its own
 *     container or through the host it stays the workload (above), but moved straight into
 *     <em>another</em> container it is taken for a nested runtime's — a privileged container's
 *     residue, which the privileged rules report;</li>
 * <li>a process first seen already inside (its fork lost at the ring, an entry evicted, a pid never
 *     seen read from /proc, every process seeded from /proc when the agent starts), or whose parent
 *     the agent does not know (a producer that sends no {@code proc.ppid}, for a process it did not
 *     see forked) is the workload: what cannot be shown to be the runtime is alerted on. The cost: the set-up of a container that is starting in
 *     the instant the agent (re)starts, or whose fork the sensor lost, may raise its alerts.</li>
 * </ul>
 * A pid reused after a lost exit is caught by the parent test: the new process's parent (the
 * sensor's {@code proc.ppid} on every line) is inside the container.
 *
 * <p>Threading: pipeline thread only. Allocates nothing for a known pid.
 */
final class ProcessLifecycle {
    /** Bit of CLONE_THREAD in clone's flags: the child is a thread of the caller, not a process. */
    private static final long CLONE_THREAD = 0x10000L;
    private static final String ARG_FLAGS = "evt.arg.flags";
    /** How far up the parent chain a process whose /proc read was skipped looks for its container. */
    private static final int MAX_ANCESTORS = 32;
    /**
     * How long an exited process still answers for its children's parent test: the kernel reparents them
     * microseconds after the exit; this also covers the sensor's flush and the ring's queue.
     */
    static final long EXIT_MEMORY_NANOS = 2_000_000_000L;
    private static final int EXIT_MEMORY_SLOTS = 4096;

    private final ProcessTable processes;
    private final ContainerTable containers;
    private final ContainerLinks links;
    private final ProcLoader loader;
    private final NegativePidCache vanished;
    private final StateMetrics metrics;
    private final TextInterner names;
    private final TextInterner paths;
    private final RecentExits exits = new RecentExits(EXIT_MEMORY_SLOTS, EXIT_MEMORY_NANOS);

    /** The current event's monotonic time. */
    private long nowNanos;
    /** The current event's container.id was overruled by the process's /proc cgroup. */
    private boolean wireIdOverruled;
    /** The current event is a process's hand-over exec: from the runtime's set-up to the workload. */
    private boolean handedOver;

    ProcessLifecycle(ProcessTable processes, ContainerTable containers, ContainerLinks links, ProcLoader loader,
                     NegativePidCache vanished, StateMetrics metrics, TextInterner names, TextInterner paths) {
        this.processes = processes;
        this.containers = containers;
        this.links = links;
        this.loader = loader;
        this.vanished = vanished;
        this.metrics = metrics;
        this.names = names;
        this.paths = paths;
    }

    /**
     * The entry of the event's process, found or created and updated from the event; -1 for the exit
     * of a pid never seen (nothing to learn).
     */
    int enter(Event ev, int pid, int type, long nowNanos) {
        this.nowNanos = nowNanos;
        wireIdOverruled = false;
        handedOver = false;
        int e = processes.find(pid);
        if (e < 0) {
            if (type == EventTypes.PROCEXIT) {
                return -1;
            }
            e = processes.insert(pid);
            if (!(ev.has(Field.PROC_NAME) && ev.has(Field.CONTAINER_ID))
                || ContainerLinks.eventContainerKey(ev) == ContainerIds.HOST_KEY) {
                // a thin event: what the producer did not send comes from /proc; and a claim to be on the
                // host (which no container rule judges) is checked against the pid's own cgroup
                loader.load(e, pid, nowNanos);
            }
        } else {
            processes.touch(e);
            if (processes.procPending[e]) {
                loader.load(e, pid, nowNanos);
            }
        }
        learn(e, ev, type);
        if (processes.procPending[e]) {
            metrics.eventDegraded();
            inheritContainer(e);
        }
        return e;
    }

    /**
     * A process whose /proc read the budget skipped, and whose container nothing else named: the
     * nearest known ancestor's container (a process cannot leave its parent's container without write
     * access to the cgroup tree), rather than none, which the rules take for the host. Until the read
     * happens (the entry stays pending: its next event in a later second), the event is counted
     * degraded. An ancestor on the host decides nothing: the child may be the runtime entering a
     * container.
     */
    private void inheritContainer(int e) {
        if (processes.containerKey[e] != ProcessTable.CONTAINER_UNKNOWN) {
            return;
        }
        int ppid = processes.ppid[e];
        for (int hop = 0; hop < MAX_ANCESTORS && ppid > 0; hop++) {
            int pe = processes.find(ppid);
            if (pe < 0 || pe == e) {
                return;
            }
            long key = processes.containerKey[pe];
            if (key >= 0) {
                links.setContainer(e, key, null, null);
                return;
            }
            if (key != ProcessTable.CONTAINER_UNKNOWN) {
                return;
            }
            ppid = processes.ppid[pe];
        }
    }

    /** After the event is filled: a successful clone (not of a thread) creates the child's entry. */
    void spawn(int e, Event ev, int type) {
        if ((type == EventTypes.CLONE || type == EventTypes.CLONE3 || type == EventTypes.FORK
            || type == EventTypes.VFORK) && ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) > 0
            && !createsThread(ev)) {
            addChild(e, (int) ev.getLong(Field.EVT_RES));
        }
    }

    /** Last: a procexit's entry leaves the table (where it was is remembered a while: {@link RecentExits}). */
    void leave(int e, int type) {
        if (type == EventTypes.PROCEXIT) {
            exits.exited(processes.pid[e], processes.containerKey[e], nowNanos);
            processes.remove(e);
        }
    }

    /** Whether the current event is a hand-over exec (the runtime's set-up becoming the workload). */
    boolean handedOver() {
        return handedOver;
    }

    /** Whether the current event's container.id named another container than the process's /proc cgroup. */
    boolean wireIdOverruled() {
        return wireIdOverruled;
    }

    /** The producer's fields into the entry: text fields at execve or when unknown, the rest always. */
    private void learn(int e, Event ev, int type) {
        ProcessTable t = processes;
        boolean exec = type == EventTypes.EXECVE && !(ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) < 0);
        byte[] a = ev.text();
        if (ev.has(Field.PROC_NAME) && (exec || t.name[e] == null)) {
            t.name[e] = names.intern(a, ev.textStart(Field.PROC_NAME), ev.textLength(Field.PROC_NAME));
        }
        if (ev.has(Field.PROC_EXEPATH) && (exec || t.exepath[e] == null)) {
            t.exepath[e] = paths.intern(a, ev.textStart(Field.PROC_EXEPATH), ev.textLength(Field.PROC_EXEPATH));
        }
        if (ev.has(Field.PROC_CMDLINE) && (exec || t.cmdline[e] == null)) {
            t.cmdline[e] = paths.intern(a, ev.textStart(Field.PROC_CMDLINE), ev.textLength(Field.PROC_CMDLINE));
        } else if (exec) {
            t.cmdline[e] = null; // the old program's command line is not the new one's: unknown beats wrong
        }
        if (ev.has(Field.PROC_PPID)) {
            t.ppid[e] = (int) ev.getLong(Field.PROC_PPID);
        }
        if (ev.has(Field.USER_UID)) {
            t.uid[e] = ev.getLong(Field.USER_UID);
        }
        if (exec) {
            // An exec changes the credentials: a set the exec's event does not carry is forgotten, not reported
            // as it was before (from /proc or the parent: the OCI runtime's full set for a container's
            // entrypoint, which made every container look granted everything). Unknown beats wrong.
            t.capsKnown[e] &= (byte) ((ev.has(Field.THREAD_CAP_EFFECTIVE) ? 1 : 0)
                | (ev.has(Field.THREAD_CAP_PERMITTED) ? 2 : 0) | (ev.has(Field.THREAD_CAP_INHERITABLE) ? 4 : 0));
        }
        if (ev.has(Field.THREAD_CAP_EFFECTIVE)) {
            t.capEffective[e] = ev.getLong(Field.THREAD_CAP_EFFECTIVE);
            t.capsKnown[e] |= 1;
            t.capsFromProc[e] = false;
        }
        if (ev.has(Field.THREAD_CAP_PERMITTED)) {
            t.capPermitted[e] = ev.getLong(Field.THREAD_CAP_PERMITTED);
            t.capsKnown[e] |= 2;
        }
        if (ev.has(Field.THREAD_CAP_INHERITABLE)) {
            t.capInheritable[e] = ev.getLong(Field.THREAD_CAP_INHERITABLE);
            t.capsKnown[e] |= 4;
        }
        if (ev.has(Field.CONTAINER_ID)) {
            learnContainer(e, ev);
        }
        if (exec && t.setup[e] != ProcessTable.WORKLOAD) {
            // after the container: a process may enter on its first exec (clone3 CLONE_INTO_CGROUP)
            boolean keeps = t.setup[e] == ProcessTable.SETUP_ENTERED && isRuntimeReexec(ev);
            if (!keeps) {
                t.setup[e] = ProcessTable.WORKLOAD; // the hand-over: from this exec on, the workload
                handedOver = true;
            }
        }
    }

    private void learnContainer(int e, Event ev) {
        long key = ContainerLinks.eventContainerKey(ev);
        long current = processes.containerKey[e];
        if (key == ProcessTable.CONTAINER_UNKNOWN || key == current) {
            return;
        }
        if (processes.containerFromProc[e]) {
            // DESIGN "Identity": the process's own cgroup, read from /proc, wins over a wire container.id
            metrics.containerIdMismatch();
            wireIdOverruled = true;
            return;
        }
        String text = null;
        if (key >= 0 && containers.find(key) < 0) {
            text = ContainerLinks.shortIdText(key, ev.text(), ev.textStart(Field.CONTAINER_ID),
                ev.textLength(Field.CONTAINER_ID)); // a new container: its entry keeps the text
        }
        boolean enters = key >= 0 && entersFromOutside(e, current, key);
        links.setContainer(e, key, null, text);
        processes.setup[e] = enters ? ProcessTable.SETUP_ENTERED : ProcessTable.WORKLOAD;
    }

    /**
     * Whether process entry {@code e}, known in {@code from}, moving into container {@code into} is the
     * runtime entering it: it was known outside (on a host that it and its ancestors never left for a
     * container, or in another container: a runtime nested in one; not a first sighting) and its
     * parent is known and not inside (the runtime that forked it: an unknown parent proves nothing).
     * A parent that has just exited still counts, where it was ({@link RecentExits}): a detached
     * {@code runc exec} exits as its command starts, and the kernel reports that exit before it
     * reparents the command, whose exec then names the runc already gone.
     */
    private boolean entersFromOutside(int e, long from, long into) {
        if (from == ProcessTable.CONTAINER_UNKNOWN
            || (from == ContainerIds.HOST_KEY && processes.beenInContainer[e])) {
            return false; // a first sighting; or a container's process moved to the host's cgroup and back
        }
        int ppid = processes.ppid[e];
        if (ppid <= 0) {
            return false;
        }
        int pe = processes.find(ppid);
        long parentKey = pe >= 0 ? processes.containerKey[pe] : exits.containerOf(ppid, nowNanos);
        return parentKey != RecentExits.NOT_REMEMBERED && parentKey != into;
    }

    /**
     * An exec of the runtime's own binary by itself: runc's copy of itself in a memfd
     * ({@code /dev/fd/N}, {@code /proc/self/fd/N}, {@code memfd:…}) or {@code /proc/self/exe}. Only
     * meaningful for a process that entered a container from outside; anything else under
     * {@code /proc/self/} (e.g. {@code /proc/self/root/…}) is not.
     */
    static boolean isRuntimeReexec(Event ev) {
        if (!ev.has(Field.PROC_EXEPATH)) {
            return false;
        }
        byte[] a = ev.text();
        int off = ev.textStart(Field.PROC_EXEPATH);
        int len = ev.textLength(Field.PROC_EXEPATH);
        return Chars.startsWith(a, off, len, "/dev/fd/") || Chars.startsWith(a, off, len, "/proc/self/fd/")
            || Chars.startsWith(a, off, len, "memfd:") || Chars.startsWith(a, off, len, "/memfd:")
            || Chars.equals(a, off, len, "/proc/self/exe");
    }

    private void addChild(int parent, int childPid) {
        if (childPid == processes.pid[parent]) {
            return;
        }
        vanished.forget(childPid);
        exits.forget(childPid);
        int child = processes.insert(childPid);
        long key = processes.containerKey[parent];
        processes.inherit(child, parent);
        processes.containerKey[child] = ProcessTable.CONTAINER_UNKNOWN;
        links.setContainer(child, key, null, null);
    }

    private static boolean createsThread(Event ev) {
        int i = ev.findExtra(ARG_FLAGS);
        if (i < 0) {
            return false;
        }
        long n = ev.extraLong(i);
        if (n != Chars.NOT_A_NUMBER) {
            return (n & CLONE_THREAD) != 0;
        }
        byte[] a = ev.text();
        int start = ev.extraStart(i);
        int end = start + ev.extraLength(i);
        // Falco renders flags as NAME|NAME|…
        int from = start;
        for (int j = start; j <= end; j++) {
            if (j == end || a[j] == '|' || a[j] == ' ') {
                if (Chars.equals(a, from, j - from, "CLONE_THREAD")) {
                    return true;
                }
                from = j + 1;
            }
        }
        return false;
    }
}
