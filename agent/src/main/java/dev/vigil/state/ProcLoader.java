package dev.vigil.state;

/**
 * What the agent learns of a process from {@code /proc/PID}: reads it for a pid the events never
 * introduced (within the per-second budget; pids found gone are remembered for a while) and writes
 * the snapshot into the process entry, its container included; and, once per container learnt from
 * the wire, finds the container's pids cgroup through one of its processes.
 *
 * <p>Threading: pipeline thread only (and the seeding before it). Reads files: allocates, but only
 * for pids never seen, within the budget.
 */
final class ProcLoader {
    private final ProcReader reader;
    private final ProcessTable processes;
    private final ContainerTable containers;
    private final ContainerLinks links;
    private final StateMetrics metrics;
    private final ProcReadBudget budget;
    private final NegativePidCache vanished;
    private final TextInterner names;
    private final TextInterner paths;

    ProcLoader(ProcReader reader, ProcessTable processes, ContainerTable containers, ContainerLinks links,
               StateMetrics metrics, ProcReadBudget budget, NegativePidCache vanished, TextInterner names,
               TextInterner paths) {
        this.reader = reader;
        this.processes = processes;
        this.containers = containers;
        this.links = links;
        this.metrics = metrics;
        this.budget = budget;
        this.vanished = vanished;
        this.names = names;
        this.paths = paths;
    }

    ProcReader reader() {
        return reader;
    }

    /** Fills an entry from /proc/PID, or marks it pending when the budget is spent. */
    void load(int e, int pid, long nowNanos) {
        processes.procPending[e] = false;
        if (vanished.contains(pid, nowNanos)) {
            return;
        }
        if (!budget.tryAcquire(nowNanos)) {
            processes.procPending[e] = true;
            metrics.procReadLimited();
            return;
        }
        ProcReader.Result r = reader.read(pid);
        metrics.procRead(r);
        if (r == ProcReader.Result.OK) {
            apply(e, reader.snapshot());
        } else if (r == ProcReader.Result.VANISHED) {
            vanished.add(pid, nowNanos);
        }
    }

    /** A snapshot into an entry; a container named by the cgroup is marked as read from /proc. */
    void apply(int e, ProcSnapshot s) {
        ProcessTable t = processes;
        t.ppid[e] = s.ppid;
        t.uid[e] = s.uid;
        t.capEffective[e] = s.capEffective;
        t.capPermitted[e] = s.capPermitted;
        t.capInheritable[e] = s.capInheritable;
        t.capsKnown[e] = 7;
        t.capsFromProc[e] = true;
        t.name[e] = names.intern(s.name);
        t.exepath[e] = paths.intern(s.exepath);
        t.cmdline[e] = paths.intern(s.cmdline);
        boolean host = ContainerIds.HOST.equals(s.containerId);
        long key = host ? ContainerIds.HOST_KEY : ContainerIds.key(s.containerId);
        links.setContainer(e, key, s.pidsCgroupDir, host ? null : s.containerId);
        t.containerFromProc[e] = key >= 0;
    }

    /**
     * For a container learnt from an event's container.id: finds its pids cgroup (for pids.max and
     * pids.events) through the process {@code pid}, once; records "none" when that process's cgroup
     * names no container or another one.
     */
    void learnPidsCgroup(int c, int pid, long nowNanos) {
        if (containers.pidsCgroupDir[c] != null || vanished.contains(pid, nowNanos) || !budget.tryAcquire(nowNanos)) {
            return;
        }
        ProcReader.Result r = reader.read(pid);
        metrics.procRead(r);
        ProcSnapshot s = reader.snapshot();
        if (r == ProcReader.Result.OK && s.pidsCgroupDir != null
            && !ContainerIds.HOST.equals(s.containerId) && ContainerIds.key(s.containerId) == containers.key[c]) {
            links.learnCgroupDir(c, s.pidsCgroupDir);
        } else {
            containers.pidsCgroupDir[c] = "";
        }
    }
}
