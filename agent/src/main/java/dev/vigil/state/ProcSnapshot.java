package dev.vigil.state;

/**
 * What {@link ProcReader} learned of one process from {@code /proc/PID}: a reusable holder, filled in
 * place. Not thread-safe: one per reader.
 */
public final class ProcSnapshot {
    public int pid;
    public int ppid;
    /** Effective uid (the second value of {@code Uid:}), as libsinsp takes it. */
    public long uid;
    public long capEffective;
    public long capPermitted;
    public long capInheritable;
    /** comm, from {@code Name:}. */
    public String name;
    /** The executable, from the {@code exe} link when readable, else argv[0]. */
    public String exepath;
    /** Falco's proc.cmdline: the name, then argv[1..], space-separated. */
    public String cmdline;
    /** The short container id, or {@link ContainerIds#HOST}. */
    public String containerId;
    /**
     * The directory of the process's pids cgroup under the cgroup root (v1: {@code <root>/pids/<path>},
     * v2: {@code <root>/<path>}), or null when the cgroup file names neither.
     */
    public String pidsCgroupDir;

    void clear() {
        pid = 0;
        ppid = 0;
        uid = -1;
        capEffective = 0;
        capPermitted = 0;
        capInheritable = 0;
        name = null;
        exepath = null;
        cmdline = null;
        containerId = ContainerIds.HOST;
        pidsCgroupDir = null;
    }
}
