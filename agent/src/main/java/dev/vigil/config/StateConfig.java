package dev.vigil.config;

import java.util.List;

/**
 * Where the agent reads the node's state and keeps its own.
 *
 * @param procRoot     the node's /proc (in a pod: the host's, mounted read-only)
 * @param cgroupRoot   the node's cgroup tree
 * @param stateDir     private directory for learned baselines and other state
 * @param maxProcesses process table capacity; beyond it the oldest entries are evicted (counted)
 */
public record StateConfig(String procRoot, String cgroupRoot, String stateDir, Integer maxProcesses) {
    public static final String DEFAULT_STATE_DIR = "/var/lib/vigil";
    /** Well above pid_max's default (32768 on small nodes, 4M at most); ~100 B an entry. */
    public static final int DEFAULT_MAX_PROCESSES = 262_144;

    public StateConfig {
        procRoot = procRoot != null ? procRoot : "/proc";
        cgroupRoot = cgroupRoot != null ? cgroupRoot : "/sys/fs/cgroup";
        stateDir = stateDir != null ? stateDir : DEFAULT_STATE_DIR;
        maxProcesses = maxProcesses != null ? maxProcesses : DEFAULT_MAX_PROCESSES;
    }

    public static StateConfig defaults() {
        return new StateConfig(null, null, null, null);
    }

    void validate(List<String> errors) {
        if (maxProcesses < 1024) {
            errors.add("state.maxProcesses must be >= 1024");
        }
    }
}
