package dev.vigil.config;

import java.util.List;

/**
 * Where the agent reads the node's state and keeps its own.
 *
 * @param procRoot           the node's /proc (in a pod: the host's, mounted read-only)
 * @param cgroupRoot         the node's cgroup tree
 * @param stateDir           private directory for learned baselines and other state
 * @param maxProcesses       process table capacity; beyond it the least recently seen entries are evicted (counted)
 * @param maxContainers      container table capacity; beyond it the least recently seen container is evicted (counted)
 * @param procReadsPerSecond reads of /proc/PID for pids never seen, at most this many per second (the rest are
 *                           counted and the event passes with what it carried)
 */
public record StateConfig(String procRoot, String cgroupRoot, String stateDir, Integer maxProcesses,
                          Integer maxContainers, Integer procReadsPerSecond) {
    public static final String DEFAULT_STATE_DIR = "/var/lib/vigil";
    /** Well above pid_max's default (32768 on small nodes, 4M at most); ~100 B an entry. */
    public static final int DEFAULT_MAX_PROCESSES = 262_144;
    /** A node runs at most a few hundred pods (kubelet's default max-pods is 110). */
    public static final int DEFAULT_MAX_CONTAINERS = 4_096;
    /** One /proc/PID read costs ~50 µs: 500 a second is at most ~2.5 % of the pipeline thread. */
    public static final int DEFAULT_PROC_READS_PER_SECOND = 500;

    public StateConfig {
        procRoot = procRoot != null ? procRoot : "/proc";
        cgroupRoot = cgroupRoot != null ? cgroupRoot : "/sys/fs/cgroup";
        stateDir = stateDir != null ? stateDir : DEFAULT_STATE_DIR;
        maxProcesses = maxProcesses != null ? maxProcesses : DEFAULT_MAX_PROCESSES;
        maxContainers = maxContainers != null ? maxContainers : DEFAULT_MAX_CONTAINERS;
        procReadsPerSecond = procReadsPerSecond != null ? procReadsPerSecond : DEFAULT_PROC_READS_PER_SECOND;
    }

    /** The first four settings; the others take their defaults. */
    public StateConfig(String procRoot, String cgroupRoot, String stateDir, Integer maxProcesses) {
        this(procRoot, cgroupRoot, stateDir, maxProcesses, null, null);
    }

    public static StateConfig defaults() {
        return new StateConfig(null, null, null, null, null, null);
    }

    void validate(List<String> errors) {
        if (maxProcesses < 1024) {
            errors.add("state.maxProcesses must be >= 1024");
        }
        if (maxContainers < 16) {
            errors.add("state.maxContainers must be >= 16");
        }
        if (procReadsPerSecond < 0) {
            errors.add("state.procReadsPerSecond must be >= 0");
        }
    }
}
