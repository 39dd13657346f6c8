package dev.vigil.config;

import java.util.List;
import java.util.Set;

/**
 * The sandbox of each container, read once as its workload starts ({@code /proc/PID}), and which of its
 * default-off findings alert.
 *
 * @param reads   read each container's sandbox (seccomp, LSM, user and host namespaces, no_new_privs,
 *                sensitive mounts) when its workload starts; off: no reads, no posture alerts, the gauges stay at 0
 * @param alertOn the findings that are posture only by default and should alert too: any of
 *                {@link #OPTIONAL_FINDINGS} (a node that enforces Pod Security {@code restricted} wants them)
 */
public record PostureConfig(Boolean reads, List<String> alertOn) {
    /** The findings {@link #alertOn} may name (the others alert already, or are posture only). */
    public static final Set<String> OPTIONAL_FINDINGS = Set.of("seccomp_disabled", "lsm_unconfined",
        "no_new_privs_off", "root_without_userns", "host_uts", "host_mnt", "host_path_mounted");

    public PostureConfig {
        reads = reads != null ? reads : Boolean.TRUE;
        alertOn = alertOn != null ? List.copyOf(alertOn) : List.of();
    }

    public static PostureConfig defaults() {
        return new PostureConfig(null, null);
    }

    void validate(List<String> errors) {
        for (String f : alertOn) {
            if (f == null || !OPTIONAL_FINDINGS.contains(f)) {
                errors.add("posture.alertOn: unknown finding " + f + " (one of "
                    + new java.util.TreeSet<>(OPTIONAL_FINDINGS) + ")");
            }
        }
    }
}
