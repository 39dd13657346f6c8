package dev.vigil.state;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads what the kernel enforces on a process from {@code /proc/PID} under a configurable proc root:
 * {@code status} ({@code Seccomp}, {@code Seccomp_filters}, {@code NoNewPrivs}, {@code Uid}, {@code Gid},
 * {@code CapEff}, {@code CapBnd}, {@code NSpid}), the LSM label ({@code attr/apparmor/current}, else
 * {@code attr/current}; absent when the node runs no LSM), {@code uid_map}, the namespaces, and
 * {@code mountinfo}; compared with the host's init, pid 1 under the same proc root.
 *
 * <p><b>Namespaces without privilege.</b> The agent holds no capability, and {@code /proc/PID/ns/*}
 * needs ptrace access (a root process holding capabilities is out of reach). So each namespace is
 * compared by its link when readable, else by a trace any reader may see: {@code pid} by the depth of
 * {@code NSpid}; {@code net} by the inode of {@code /proc/PID/net/dev} (procfs gives each network
 * namespace its own); {@code mnt} by the mount id of {@code /} in {@code mountinfo} (ids are global);
 * {@code ipc} by the device of an {@code mqueue} mount (one per IPC namespace; needs one on the host, as
 * systemd mounts {@code /dev/mqueue}, and one in the container, as runtimes mount); {@code user} by
 * {@code uid_map}. What none of these tells ({@code uts}, {@code cgroup}) is listed unknown.
 *
 * <p><b>Mounts.</b> A container mount is a host path when a host mount has the same device
 * ({@code major:minor}) and its root holds the container mount's root: the host path is that mount's
 * point joined with the rest. procfs gives every mount its own device, so the container's own
 * {@code /proc} is not the host's; a bind of the host's {@code /proc} is. sysfs gives each network
 * namespace its own, so a container in the host's network namespace sees the host's sysfs at its
 * {@code /sys} whatever the runtime did (runc mounts the spec's {@code sysfs} read-only, and the kernel
 * hands it the host network namespace's superblock, the host's {@code /sys} device): that read-only
 * {@code /sys} is the runtime's default for every host-network pod, and shows nothing {@code host_net} does
 * not, so it is not taken for a host path; read-write it still is.
 *
 * <p>Not thread-safe: one per thread. Allocates: call once per container start (budgeted).
 */
public final class SandboxReader {
    /** Host directories whose mount in a container matters. */
    static final Set<String> SENSITIVE_DIRS = Set.of("/", "/proc", "/sys", "/dev", "/run", "/var/run", "/etc");
    /** The runtimes' sockets (Docker, containerd, CRI-O, Podman, k3s), with {@code /var/run} read as {@code /run}. */
    static final List<String> RUNTIME_SOCKETS = List.of("/run/docker.sock", "/run/containerd/containerd.sock",
        "/run/crio/crio.sock", "/run/podman/podman.sock", "/run/k3s/containerd/containerd.sock",
        "/run/dockershim.sock", "/run/cri-dockerd.sock");
    private static final String[] NAMESPACES = {"pid", "net", "ipc", "uts", "mnt", "cgroup", "user"};
    /**
     * Host-path mounts kept per container for {@code container.mount.dest[PATH]} beyond the sensitive ones
     * (always kept): a pod spec may carry many volumes, a container table entry stays small.
     */
    static final int MAX_HOST_MOUNTS = 128;
    /** The host's view is read again after this long (its mounts change rarely). */
    private static final long HOST_REFRESH_NANOS = 30_000_000_000L;

    /** The outcome of {@link #read}. */
    public enum Result { OK, VANISHED, UNREADABLE }

    private final Path procRoot;
    private Host host;
    private long hostReadNanos;
    private SandboxFacts facts;

    public SandboxReader(String procRoot) {
        this.procRoot = Paths.get(procRoot);
    }

    /** The facts of the last {@link #read} that returned OK. */
    public SandboxFacts facts() {
        return facts;
    }

    /**
     * Reads {@code /proc/PID}. {@code alertOn}: the default-off findings the config turns on (into
     * {@link SandboxFacts#alerting}).
     */
    public Result read(int pid, Set<SandboxFinding> alertOn) {
        facts = null;
        Path dir = procRoot.resolve(Integer.toString(pid));
        Proc p = new Proc();
        try {
            parseStatus(ProcReader.readProcFile(dir.resolve("status")), p);
        } catch (NoSuchFileException e) {
            return Result.VANISHED;
        } catch (IOException | RuntimeException e) {
            return Result.UNREADABLE;
        }
        long now = System.nanoTime();
        if (host == null || now - hostReadNanos > HOST_REFRESH_NANOS) {
            host = readHost();
            hostReadNanos = now;
        }
        List<Mount> mounts = readMounts(dir);
        String lsm = readLsm(dir);
        String uidMap = readOrNull(dir.resolve("uid_map"));
        boolean userns = uidMap != null && !isIdentityMap(uidMap);
        List<String> shared = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String ns : NAMESPACES) {
            Boolean same = sameAsHost(ns, dir, p, mounts, uidMap);
            if (same == null) {
                unknown.add(ns);
            } else if (same) {
                shared.add(ns);
            }
        }
        // sharing the host's mount namespace, every host mount is the container's: no bind tells anything
        List<HostMount> binds = shared.contains("mnt") ? List.of()
            : hostMounts(mounts, host.mounts, shared.contains("net"));
        if (!Files.isDirectory(dir)) {
            return Result.VANISHED; // gone while we read: the rest may be a half
        }
        facts = new SandboxFacts(p.seccomp, p.seccompFilters, p.noNewPrivs, lsm, userns, p.uid, p.gid, p.capEff,
            p.capBnd, shared, unknown, sensitiveMounts(binds), binds, alertOn);
        return Result.OK;
    }

    /** True when shared with the host, false when not, null when it cannot be told. */
    private Boolean sameAsHost(String ns, Path dir, Proc p, List<Mount> mounts, String uidMap) {
        String link = readLink(dir.resolve("ns").resolve(ns));
        String hostLink = host.links.get(ns);
        if (link != null && hostLink != null) {
            return link.equals(hostLink);
        }
        switch (ns) {
            case "pid":
                return p.nspidDepth > 0 && host.nspidDepth > 0 ? p.nspidDepth == host.nspidDepth : null;
            case "net": {
                long ino = inode(dir.resolve("net/dev"));
                return ino > 0 && host.netIno > 0 ? ino == host.netIno : null;
            }
            case "mnt": {
                long id = rootMountId(mounts);
                return id >= 0 && host.rootMountId >= 0 ? id == host.rootMountId : null;
            }
            case "ipc": {
                String dev = mqueueDev(mounts);
                return dev != null && host.mqueueDev != null ? dev.equals(host.mqueueDev) : null;
            }
            case "user":
                return uidMap != null && host.uidMap != null ? uidMap.strip().equals(host.uidMap.strip()) : null;
            default:
                return null;
        }
    }

    private Host readHost() {
        Host h = new Host();
        Path init = procRoot.resolve("1");
        for (String ns : NAMESPACES) {
            String l = readLink(init.resolve("ns").resolve(ns));
            if (l != null) {
                h.links.put(ns, l);
            }
        }
        Proc p = new Proc();
        try {
            parseStatus(ProcReader.readProcFile(init.resolve("status")), p);
            h.nspidDepth = p.nspidDepth;
        } catch (IOException | RuntimeException e) {
            h.nspidDepth = 0;
        }
        h.netIno = inode(init.resolve("net/dev"));
        h.mounts = readMounts(init);
        h.rootMountId = rootMountId(h.mounts);
        h.mqueueDev = mqueueDev(h.mounts);
        h.uidMap = readOrNull(init.resolve("uid_map"));
        return h;
    }

    static void parseStatus(String text, Proc p) {
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String v = line.substring(colon + 1).trim();
            switch (line.substring(0, colon)) {
                case "Seccomp" -> p.seccomp = switch (v) {
                    case "0" -> "disabled";
                    case "1" -> "strict";
                    case "2" -> "filter";
                    default -> null;
                };
                case "Seccomp_filters" -> p.seccompFilters = ProcReader.parseIntOr(v, -1);
                case "NoNewPrivs" -> p.noNewPrivs = v.equals("1");
                case "Uid" -> p.uid = ProcReader.parseUid(v);
                case "Gid" -> p.gid = ProcReader.parseUid(v);
                case "CapEff" -> p.capEff = ProcReader.parseHex(v);
                case "CapBnd" -> p.capBnd = ProcReader.parseHex(v);
                case "NSpid" -> p.nspidDepth = v.isEmpty() ? 0 : v.split("\\s+").length;
                default -> { }
            }
        }
    }

    /** The label of the LSM that confines the process; null when none runs (the files answer EINVAL). */
    private static String readLsm(Path dir) {
        String v = readOrNull(dir.resolve("attr/apparmor/current"));
        if (v == null) {
            v = readOrNull(dir.resolve("attr/current"));
        }
        if (v == null) {
            return null;
        }
        int nul = v.indexOf('\0');
        v = (nul >= 0 ? v.substring(0, nul) : v).strip();
        return v.isEmpty() ? null : v;
    }

    /** {@code 0 0 4294967295}: the initial user namespace's map (or a namespace mapping it whole). */
    static boolean isIdentityMap(String uidMap) {
        String[] f = uidMap.strip().split("\\s+");
        return f.length == 3 && f[0].equals("0") && f[1].equals("0") && f[2].equals("4294967295");
    }

    /** One line of mountinfo: id, device, root in its file system, mount point, read-write, fs type. */
    record Mount(long id, String dev, String root, String point, boolean rw, String fsType) {
    }

    private static List<Mount> readMounts(Path dir) {
        String text = readOrNull(dir.resolve("mountinfo"));
        return text == null ? List.of() : parseMountinfo(text);
    }

    static List<Mount> parseMountinfo(String text) {
        List<Mount> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.split(" ");
            int dash = -1;
            for (int i = 6; i < f.length; i++) {
                if (f[i].equals("-")) {
                    dash = i;
                    break;
                }
            }
            if (dash < 0 || dash + 1 >= f.length) {
                continue;
            }
            long id;
            try {
                id = Long.parseLong(f[0]);
            } catch (NumberFormatException e) {
                continue;
            }
            boolean rw = f[5].equals("rw") || f[5].startsWith("rw,");
            out.add(new Mount(id, f[2], unescape(f[3]), unescape(f[4]), rw, f[dash + 1]));
        }
        return out;
    }

    /** mountinfo writes space, tab, newline and backslash in paths as {@code \\ooo}. */
    private static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /** A container's mount of a host path: the host path (its source), where the container sees it, rw or not. */
    public record HostMount(String source, String dest, boolean rw) {
        /** A host path that matters: a sensitive directory, a runtime's socket or a directory holding one. */
        boolean sensitive() {
            return SENSITIVE_DIRS.contains(source) || isRuntimeSocketPath(source);
        }
    }

    /**
     * The container's mounts of host paths, in mountinfo order, each (source, destination) once: every
     * sensitive one, and the first {@link #MAX_HOST_MOUNTS} others. {@code hostNet}: the container shares
     * the host's network namespace, so its own read-only {@code /sys} is the host's sysfs and no bind of it.
     */
    static List<HostMount> hostMounts(List<Mount> mounts, List<Mount> hostMounts, boolean hostNet) {
        List<HostMount> out = new ArrayList<>();
        int others = 0;
        for (Mount m : mounts) {
            if (hostNet && isRuntimeSysfs(m)) {
                continue;
            }
            String hostPath = hostPath(m, hostMounts);
            if (hostPath == null) {
                continue;
            }
            HostMount h = new HostMount(hostPath, m.point, m.rw);
            if (h.sensitive() || others < MAX_HOST_MOUNTS) {
                if (!out.contains(h)) {
                    out.add(h);
                    others += h.sensitive() ? 0 : 1;
                }
            }
        }
        return out;
    }

    /**
     * The runtime's {@code /sys}: a read-only sysfs at {@code /sys} from the file system's root, as runc
     * mounts the spec's {@code sysfs} (or binds {@code /sys}, {@code rbind,ro}, where a fresh one is refused).
     */
    static boolean isRuntimeSysfs(Mount m) {
        return !m.rw && m.fsType.equals("sysfs") && m.point.equals("/sys") && m.root.equals("/");
    }

    /** The host-path mounts that matter: {@code HOSTPATH:DEST:rw|ro}, in mountinfo order. */
    static List<String> sensitiveMounts(List<HostMount> binds) {
        List<String> out = new ArrayList<>();
        for (HostMount h : binds) {
            if (h.sensitive()) {
                out.add(h.source() + ":" + h.dest() + (h.rw() ? ":rw" : ":ro"));
            }
        }
        return out;
    }

    /**
     * A runtime's socket, or a directory holding one (its bind exposes the socket), other than
     * {@code /} and {@code /run} themselves (sensitive on their own). {@code /var/run} is read as {@code /run}.
     */
    static boolean isRuntimeSocketPath(String path) {
        String p = path.startsWith("/var/run/") || path.equals("/var/run") ? "/run" + path.substring(8) : path;
        for (String s : RUNTIME_SOCKETS) {
            if (s.equals(p) || (s.startsWith(p + "/") && !p.equals("/run") && !p.isEmpty() && !p.equals("/"))) {
                return true;
            }
        }
        return false;
    }

    /** The host path a container mount shows, or null when it is no host mount's (its own tmpfs, proc, overlay…). */
    static String hostPath(Mount m, List<Mount> hostMounts) {
        String best = null;
        int bestRootLen = -1;
        for (Mount h : hostMounts) {
            if (!h.dev.equals(m.dev) || !within(m.root, h.root) || h.root.length() <= bestRootLen) {
                continue;
            }
            String rest = m.root.substring(h.root.equals("/") ? 0 : h.root.length());
            String p = h.point.equals("/") ? (rest.isEmpty() ? "/" : rest) : h.point + (rest.equals("/") ? "" : rest);
            best = p.isEmpty() ? "/" : p;
            bestRootLen = h.root.length();
        }
        return best;
    }

    private static boolean within(String path, String dir) {
        return dir.equals("/") || path.equals(dir) || path.startsWith(dir + "/");
    }

    private static long rootMountId(List<Mount> mounts) {
        long id = -1;
        for (Mount m : mounts) {
            if (m.point.equals("/")) {
                id = m.id; // the last one over / is the root seen
            }
        }
        return id;
    }

    private static String mqueueDev(List<Mount> mounts) {
        for (Mount m : mounts) {
            if (m.fsType.equals("mqueue")) {
                return m.dev;
            }
        }
        return null;
    }

    private static String readLink(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | RuntimeException e) {
            return null; // AccessDenied for a process holding capabilities: the agent holds none
        }
    }

    private static long inode(Path p) {
        try {
            Object ino = Files.getAttribute(p, "unix:ino");
            return ino instanceof Long l ? l : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static String readOrNull(Path p) {
        try {
            return ProcReader.readProcFile(p);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** What status says, for one process. */
    static final class Proc {
        String seccomp;
        int seccompFilters = -1;
        boolean noNewPrivs;
        long uid = -1;
        long gid = -1;
        long capEff;
        long capBnd;
        int nspidDepth;
    }

    /** The host init's view, the reference of every comparison. */
    private static final class Host {
        final Map<String, String> links = new HashMap<>();
        int nspidDepth;
        long netIno;
        List<Mount> mounts = List.of();
        long rootMountId = -1;
        String mqueueDev;
        String uidMap;
    }
}
