package dev.vigil.posture;

import java.util.List;

/**
 * What {@link PostureScanner} found on the node at one moment. Immutable.
 *
 * @param fullCapabilitySet          the running kernel's full capability set (hex), what {@code --privileged} gives
 * @param processesScanned           processes read under the proc root
 * @param privilegedProcesses        container processes whose effective set is the full set
 * @param capabilitiesBeyondDefault  other container processes with capabilities beyond Docker's default set
 * @param containersWithoutPidsLimit containers whose pids cgroup has {@code pids.max = max}
 * @param containers                 every container seen, with its pids limit, process count and sandbox
 * @param sandboxFindings            each finding of each container's sandbox (its workload: the container's
 *                                   lowest pid), one entry per container and finding
 */
public record PostureReport(String fullCapabilitySet, int processesScanned,
                            List<ProcessFinding> privilegedProcesses,
                            List<ProcessFinding> capabilitiesBeyondDefault,
                            List<ContainerPosture> containersWithoutPidsLimit,
                            List<ContainerPosture> containers,
                            List<SandboxFinding> sandboxFindings) {

    /**
     * One weakness of a container's sandbox.
     *
     * @param finding {@code host_pid}, {@code seccomp_disabled}, … ({@code dev.vigil.state.SandboxFinding})
     * @param alerts  whether the agent alerts on it: by default, or because the scanner's {@code alertOn} (the
     *                config's {@code posture.alertOn}, {@code vigil posture --config}) names it, and the
     *                container's image is not in the ruleset's {@code vigil_posture_trusted_images}; else posture only
     * @param detail  what shows it ({@code host_ns=pid,net}, a mount, the seccomp mode)
     */
    public record SandboxFinding(String containerId, String finding, boolean alerts, String detail, int pid,
                                 String image, String pod, String namespace) {
    }

    /**
     * What the kernel enforces on a container's workload (its lowest pid), as {@code vigil posture} shows it.
     *
     * @param seccomp           {@code disabled}, {@code strict}, {@code filter}; null when not told
     * @param lsmProfile        null when the node runs no LSM
     * @param userns            in a user namespace of its own
     * @param hostNamespaces    namespaces shared with the host's init
     * @param unknownNamespaces namespaces that could not be compared
     * @param sensitiveMounts   {@code HOSTPATH:DEST:rw|ro}
     */
    public record Sandbox(int pid, String seccomp, int seccompFilters, boolean noNewPrivs, String lsmProfile,
                          boolean userns, long uid, long gid, List<String> hostNamespaces,
                          List<String> unknownNamespaces, List<String> sensitiveMounts, List<String> findings) {
    }

    /**
     * A container process with more capabilities than it should have.
     *
     * @param extraCapabilities the names of the capabilities beyond Docker's default set
     * @param image             its container's image ({@code repository:tag}, else the full reference); null
     *                          when no runtime told it
     * @param pod               its pod's name ({@code k8s.pod.name}); null when unknown or not in a pod
     * @param namespace         its pod's namespace ({@code k8s.ns.name}); null when unknown
     */
    public record ProcessFinding(int pid, String name, String containerId, String capEffective,
                                 List<String> extraCapabilities, String image, String pod, String namespace) {
    }

    /**
     * A container as seen through its processes.
     *
     * @param pidsLimit  pids.max; -1 for {@code max} (no limit); null when no pids cgroup was readable
     * @param privileged one of its processes has the full capability set
     * @param image      as in {@link ProcessFinding}; null when unknown
     * @param pod        as in {@link ProcessFinding}; null when unknown
     * @param namespace  as in {@link ProcessFinding}; null when unknown
     * @param sandbox    its workload's sandbox; null when unreadable
     */
    public record ContainerPosture(String containerId, String pidsCgroup, Long pidsLimit, int processes,
                                   boolean privileged, String image, String pod, String namespace, Sandbox sandbox) {
    }

    public boolean clean() {
        return privilegedProcesses.isEmpty() && capabilitiesBeyondDefault.isEmpty() && containersWithoutPidsLimit.isEmpty()
            && sandboxFindings.isEmpty();
    }
}
