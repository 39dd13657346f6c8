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
 * <p>Threading: pipeline thread only. Allocates nothing for a known pid.
 */
final class ProcessLifecycle {
    /** Bit of CLONE_THREAD in clone's flags: the child is a thread of the caller, not a process. */
    private static final long CLONE_THREAD = 0x10000L;
    private static final String ARG_FLAGS = "evt.arg.flags";

    private final ProcessTable processes;
    private final ContainerTable containers;
    private final ContainerLinks links;
    private final ProcLoader loader;
    private final NegativePidCache vanished;
    private final StateMetrics metrics;
    private final TextInterner names;
    private final TextInterner paths;

    /** The current event's container.id was overruled by the process's /proc cgroup. */
    private boolean wireIdOverruled;

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
        wireIdOverruled = false;
        int e = processes.find(pid);
        if (e < 0) {
            if (type == EventTypes.PROCEXIT) {
                return -1;
            }
            e = processes.insert(pid);
            if (!(ev.has(Field.PROC_NAME) && ev.has(Field.CONTAINER_ID))) {
                loader.load(e, pid, nowNanos); // a thin event: what the producer did not send comes from /proc
            }
        } else {
            processes.touch(e);
            if (processes.procPending[e]) {
                loader.load(e, pid, nowNanos);
            }
        }
        learn(e, ev, type);
        return e;
    }

    /** After the event is filled: a successful clone (not of a thread) creates the child's entry. */
    void spawn(int e, Event ev, int type) {
        if ((type == EventTypes.CLONE || type == EventTypes.CLONE3 || type == EventTypes.FORK
            || type == EventTypes.VFORK) && ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) > 0
            && !createsThread(ev)) {
            addChild(e, (int) ev.getLong(Field.EVT_RES));
        }
    }

    /** Last: a procexit's entry leaves the table. */
    void leave(int e, int type) {
        if (type == EventTypes.PROCEXIT) {
            processes.remove(e);
        }
    }

    /** Whether the current event's container.id named another container than the process's /proc cgroup. */
    boolean wireIdOverruled() {
        return wireIdOverruled;
    }

    /** The producer's fields into the entry: text fields at execve or when unknown, the rest always. */
    private void learn(int e, Event ev, int type) {
        ProcessTable t = processes;
        boolean exec = type == EventTypes.EXECVE && !(ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) < 0);
        char[] a = ev.chars();
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
            text = ContainerLinks.shortIdText(key, ev.chars(), ev.textStart(Field.CONTAINER_ID),
                ev.textLength(Field.CONTAINER_ID)); // a new container: its entry keeps the text
        }
        links.setContainer(e, key, null, text);
    }

    private void addChild(int parent, int childPid) {
        if (childPid == processes.pid[parent]) {
            return;
        }
        vanished.forget(childPid);
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
        char[] a = ev.chars();
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
