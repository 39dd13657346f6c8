package dev.vigil.state;

import dev.vigil.event.ContainerSandbox;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * What the kernel enforces on one process (a container's workload, read once as it starts), from
 * {@code /proc/PID}: seccomp mode and filter count, {@code no_new_privs}, the LSM label, the user
 * namespace, uid/gid, capabilities, the namespaces shared with the host, the sensitive mounts; and the
 * {@link SandboxFinding}s they make. Immutable and thread-safe; the {@link ContainerSandbox} of the
 * container's events, its texts rendered once.
 */
public final class SandboxFacts implements ContainerSandbox {
    /** {@code disabled}, {@code strict} or {@code filter}; null when the kernel does not say. */
    public final String seccomp;
    /** Filters attached ({@code Seccomp_filters:}); -1 when the kernel does not say. */
    public final int seccompFilters;
    public final boolean noNewPrivs;
    /** The LSM label; null when the node runs no LSM. */
    public final String lsmProfile;
    /** In a user namespace of its own ({@code uid_map} not the identity map). */
    public final boolean userns;
    /** Effective uid and gid, as the proc root's namespace sees them. */
    public final long uid;
    public final long gid;
    public final long capEffective;
    /** {@code CapBnd}: what the process and its children can ever hold. */
    public final long capBounding;
    /** Namespaces shared with the host's init: {@code pid}, {@code net}, {@code ipc}, {@code uts}, {@code mnt}, {@code user}. */
    public final List<String> hostNamespaces;
    /** Namespaces that could not be compared (no permission to read the link, nothing else to compare). */
    public final List<String> unknownNamespaces;
    /** Host paths that matter mounted in the container: {@code HOSTPATH:DEST:rw|ro}. */
    public final List<String> sensitiveMounts;
    /** The container's mounts of host paths ({@code container.mount.dest[PATH]}), in mountinfo order. */
    public final List<SandboxReader.HostMount> hostMounts;
    public final Set<SandboxFinding> findings;
    /** The findings that alert: those that do by default, and those the config turns on. */
    public final Set<SandboxFinding> alerting;

    private final String hostNsText;
    private final String mountsText;
    private final String findingsText;

    public SandboxFacts(String seccomp, int seccompFilters, boolean noNewPrivs, String lsmProfile, boolean userns,
                        long uid, long gid, long capEffective, long capBounding, List<String> hostNamespaces,
                        List<String> unknownNamespaces, List<String> sensitiveMounts,
                        List<SandboxReader.HostMount> hostMounts, Set<SandboxFinding> alertOn) {
        this.seccomp = seccomp;
        this.seccompFilters = seccompFilters;
        this.noNewPrivs = noNewPrivs;
        this.lsmProfile = lsmProfile;
        this.userns = userns;
        this.uid = uid;
        this.gid = gid;
        this.capEffective = capEffective;
        this.capBounding = capBounding;
        this.hostNamespaces = List.copyOf(hostNamespaces);
        this.unknownNamespaces = List.copyOf(unknownNamespaces);
        this.sensitiveMounts = List.copyOf(sensitiveMounts);
        this.hostMounts = List.copyOf(hostMounts);
        EnumSet<SandboxFinding> f = findingsOf(this);
        EnumSet<SandboxFinding> a = EnumSet.noneOf(SandboxFinding.class);
        for (SandboxFinding x : f) {
            if (x.alertsByDefault() || alertOn.contains(x)) {
                a.add(x);
            }
        }
        this.findings = java.util.Collections.unmodifiableSet(f);
        this.alerting = java.util.Collections.unmodifiableSet(a);
        this.hostNsText = String.join(",", this.hostNamespaces);
        this.mountsText = String.join(",", this.sensitiveMounts);
        this.findingsText = labels(f);
    }

    private static EnumSet<SandboxFinding> findingsOf(SandboxFacts s) {
        EnumSet<SandboxFinding> f = EnumSet.noneOf(SandboxFinding.class);
        for (String ns : s.hostNamespaces) {
            switch (ns) {
                case "pid" -> f.add(SandboxFinding.HOST_PID);
                case "net" -> f.add(SandboxFinding.HOST_NET);
                case "ipc" -> f.add(SandboxFinding.HOST_IPC);
                case "uts" -> f.add(SandboxFinding.HOST_UTS);
                case "mnt" -> f.add(SandboxFinding.HOST_MNT);
                default -> { }
            }
        }
        for (String m : s.sensitiveMounts) {
            String host = m.substring(0, m.indexOf(':'));
            boolean rw = m.endsWith(":rw");
            if (SandboxReader.isRuntimeSocketPath(host)) {
                f.add(SandboxFinding.RUNTIME_SOCKET);
            }
            if (rw && (host.equals("/") || host.equals("/proc") || host.equals("/sys"))) {
                f.add(SandboxFinding.HOST_PATH_WRITABLE);
            } else if (SandboxReader.SENSITIVE_DIRS.contains(host)) {
                f.add(SandboxFinding.HOST_PATH_MOUNTED);
            }
        }
        if ("disabled".equals(s.seccomp)) {
            f.add(SandboxFinding.SECCOMP_DISABLED);
        }
        if (s.lsmProfile != null && isUnconfined(s.lsmProfile)) {
            f.add(SandboxFinding.LSM_UNCONFINED);
        }
        if (!s.noNewPrivs) {
            f.add(SandboxFinding.NO_NEW_PRIVS_OFF);
        }
        if (s.uid == 0 && !s.userns) {
            f.add(SandboxFinding.ROOT_WITHOUT_USERNS);
        }
        return f;
    }

    /** AppArmor {@code unconfined}; SELinux's unconfined and super-privileged container types. */
    static boolean isUnconfined(String label) {
        return label.equals("unconfined") || label.startsWith("unconfined ") || label.contains(":unconfined_t:")
            || label.contains(":spc_t:") || label.endsWith(":unconfined_t") || label.endsWith(":spc_t");
    }

    private static String labels(Set<SandboxFinding> set) {
        StringBuilder sb = new StringBuilder();
        for (SandboxFinding f : set) { // an EnumSet: declaration order
            if (sb.length() > 0) {
                sb.append(',');
            }
            sb.append(f.label());
        }
        return sb.toString();
    }

    @Override
    public String sandboxField(String name) {
        return switch (name) {
            case "container.seccomp" -> seccomp;
            case "container.no_new_privs" -> noNewPrivs ? "true" : "false";
            case "container.lsm.profile" -> lsmProfile;
            case "container.userns" -> userns ? "true" : "false";
            case "container.host_ns" -> hostNsText;
            case "container.sensitive_mounts" -> mountsText;
            case "container.posture.findings" -> findingsText;
            default -> null;
        };
    }

    @Override
    public int mountCount() {
        return hostMounts.size();
    }

    @Override
    public String mountSource(int i) {
        return hostMounts.get(i).source();
    }

    @Override
    public String mountDestination(int i) {
        return hostMounts.get(i).dest();
    }

    @Override
    public String toString() {
        return "seccomp=" + seccomp + " filters=" + seccompFilters + " no_new_privs=" + noNewPrivs + " lsm=" + lsmProfile
            + " userns=" + userns + " uid=" + uid + " gid=" + gid + " host_ns=" + hostNamespaces + " unknown_ns="
            + unknownNamespaces + " mounts=" + sensitiveMounts + " findings=" + findingsText;
    }
}
