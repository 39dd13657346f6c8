package dev.vigil.state;

import java.util.Locale;

/**
 * A weakness of a container's sandbox, as {@code vigil posture}, the {@code vigil_posture_containers}
 * gauge and {@code container.posture.findings} name it. Whether a finding alerts by default is part of
 * it: a deliberate weakening alerts, a default (what Kubernetes does unless asked otherwise) is posture
 * only, unless {@code posture.alertOn} names it.
 */
public enum SandboxFinding {
    /** The host's pid namespace shared ({@code --pid=host}, {@code hostPID}). */
    HOST_PID(true),
    /** The host's network namespace shared ({@code --net=host}, {@code hostNetwork}). */
    HOST_NET(true),
    /** The host's IPC namespace shared ({@code --ipc=host}, {@code hostIPC}). */
    HOST_IPC(true),
    /** The host's UTS namespace shared. */
    HOST_UTS(false),
    /** The host's mount namespace shared: the container sees every host mount. */
    HOST_MNT(false),
    /** A container runtime's socket (Docker, containerd, CRI-O, Podman) or its directory bind-mounted. */
    RUNTIME_SOCKET(true),
    /** The host's {@code /}, {@code /proc} or {@code /sys} mounted writable. */
    HOST_PATH_WRITABLE(true),
    /** The host's {@code /dev}, {@code /run}, {@code /var/run} or {@code /etc} mounted, or its {@code /}, {@code /proc}, {@code /sys} read-only. */
    HOST_PATH_MOUNTED(false),
    /** No seccomp filter ({@code seccomp=unconfined}; Kubernetes' default without {@code RuntimeDefault}). */
    SECCOMP_DISABLED(false),
    /** An LSM runs on the node and the workload is unconfined by it. */
    LSM_UNCONFINED(false),
    /** {@code no_new_privs} not set: set-uid programs may raise privileges. */
    NO_NEW_PRIVS_OFF(false),
    /** The workload runs as uid 0 in the host's user namespace. */
    ROOT_WITHOUT_USERNS(false),
    /** A process put into a running container with less sandbox than its workload: a privileged exec. */
    PRIVILEGED_EXEC(true);

    private final boolean alertsByDefault;
    private final String label;

    SandboxFinding(boolean alertsByDefault) {
        this.alertsByDefault = alertsByDefault;
        this.label = name().toLowerCase(Locale.ROOT);
    }

    /** The name in configs, fields, reports and metric labels: {@code host_pid}, … */
    public String label() {
        return label;
    }

    /** Alerts without any configuration. */
    public boolean alertsByDefault() {
        return alertsByDefault;
    }

    /** The finding with this label, or null. */
    public static SandboxFinding byLabel(String label) {
        for (SandboxFinding f : values()) {
            if (f.label.equals(label)) {
                return f;
            }
        }
        return null;
    }
}
