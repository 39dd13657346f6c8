package dev.vigil.state;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * Reads a process's {@code /proc/PID/{status,cgroup,cmdline}} (and the {@code exe} link when allowed)
 * under a configurable proc root, and the pids cgroup files under a cgroup root. Allocates: call it
 * only for pids never seen (the enricher rate-limits it) or from a one-off scan.
 *
 * <p>Not thread-safe (it fills one reusable {@link ProcSnapshot}).
 */
public final class ProcReader {
    /** The longest command line kept (Falco's own limit is lower, ~4 KiB of args). */
    static final int MAX_CMDLINE_CHARS = 4096;
    /** What {@link #readPidsMax} returns when there is no readable pids.max. */
    public static final long LIMIT_UNKNOWN = Long.MIN_VALUE;
    /** pids.max of {@code max}: no limit. */
    public static final long NO_LIMIT = -1;

    private final Path procRoot;
    private final Path cgroupRoot;
    private final ProcSnapshot snapshot = new ProcSnapshot();
    /** containerd namespaces: the first segment of its native cgroup layout {@code /<ns>/<id>}. */
    private final List<String> containerdNamespaces;

    public ProcReader(String procRoot, String cgroupRoot) {
        this(procRoot, cgroupRoot, dev.vigil.config.RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
    }

    public ProcReader(String procRoot, String cgroupRoot, List<String> containerdNamespaces) {
        this.procRoot = Paths.get(procRoot);
        this.cgroupRoot = Paths.get(cgroupRoot);
        this.containerdNamespaces = List.copyOf(containerdNamespaces);
    }

    public Path procRoot() {
        return procRoot;
    }

    /** The outcome of {@link #read}. */
    public enum Result { OK, VANISHED, UNREADABLE }

    /**
     * Fills {@link #snapshot()} from {@code /proc/PID}. {@code VANISHED} when the process is gone
     * (no status file), {@code UNREADABLE} on any other error.
     */
    public Result read(int pid) {
        ProcSnapshot s = snapshot;
        s.clear();
        s.pid = pid;
        Path dir = procRoot.resolve(Integer.toString(pid));
        try {
            parseStatus(readProcFile(dir.resolve("status")), s);
        } catch (NoSuchFileException e) {
            return Result.VANISHED;
        } catch (IOException | RuntimeException e) {
            return Result.UNREADABLE;
        }
        try {
            parseCgroup(readProcFile(dir.resolve("cgroup")), s);
        } catch (IOException | RuntimeException e) {
            // a process without a cgroup file is treated as on the host
        }
        String argv0 = null;
        try {
            byte[] raw = readProcBytes(dir.resolve("cmdline"));
            argv0 = parseCmdline(raw, s);
        } catch (IOException | RuntimeException e) {
            s.cmdline = s.name;
        }
        try {
            s.exepath = Files.readSymbolicLink(dir.resolve("exe")).toString();
        } catch (IOException | RuntimeException e) {
            s.exepath = argv0;
        }
        return Result.OK;
    }

    public ProcSnapshot snapshot() {
        return snapshot;
    }

    static void parseStatus(String text, ProcSnapshot s) {
        int i = 0;
        int n = text.length();
        while (i < n) {
            int eol = text.indexOf('\n', i);
            if (eol < 0) {
                eol = n;
            }
            int colon = text.indexOf(':', i);
            if (colon > 0 && colon < eol) {
                String value = text.substring(colon + 1, eol).trim();
                switch (text.substring(i, colon)) {
                    case "Name" -> s.name = value;
                    case "PPid" -> s.ppid = parseIntOr(value, 0);
                    case "Uid" -> s.uid = parseUid(value);
                    case "CapEff" -> s.capEffective = parseHex(value);
                    case "CapPrm" -> s.capPermitted = parseHex(value);
                    case "CapInh" -> s.capInheritable = parseHex(value);
                    default -> { }
                }
            }
            i = eol + 1;
        }
    }

    /** The effective id of a {@code Uid:}/{@code Gid:} line's value (real, effective, saved, fs); -1 if bad. */
    static long parseUid(String value) {
        String[] parts = value.split("\\s+");
        // real, effective, saved, fs: libsinsp takes the effective uid
        return parseIntOr(parts.length > 1 ? parts[1] : parts[0], -1);
    }

    static int parseIntOr(String v, int dflt) {
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            return dflt;
        }
    }

    /** A {@code CapEff:}-style hex mask; 0 if bad. */
    static long parseHex(String v) {
        try {
            return Long.parseUnsignedLong(v, 16);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    void parseCgroup(String text, ProcSnapshot s) {
        String v1Pids = null;
        String v2 = null;
        String id = ContainerIds.HOST;
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int c1 = line.indexOf(':');
            int c2 = c1 < 0 ? -1 : line.indexOf(':', c1 + 1);
            if (c2 < 0) {
                continue;
            }
            String controllers = line.substring(c1 + 1, c2);
            String path = line.substring(c2 + 1);
            if (controllers.isEmpty()) {
                v2 = path;
            } else if (hasController(controllers, "pids")) {
                v1Pids = path;
            }
            String found = ContainerIds.fromCgroupLine(line, containerdNamespaces);
            if (!found.equals(ContainerIds.HOST) && (id.equals(ContainerIds.HOST) || hasController(controllers, "pids"))) {
                id = found;
            }
        }
        s.containerId = id;
        if (v1Pids != null) {
            s.pidsCgroupDir = cgroupRoot.resolve("pids").resolve(relative(v1Pids)).toString();
        } else if (v2 != null) {
            s.pidsCgroupDir = cgroupRoot.resolve(relative(v2)).toString();
        }
    }

    private static boolean hasController(String controllers, String name) {
        for (String c : controllers.split(",")) {
            if (c.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private static String relative(String path) {
        int i = 0;
        while (i < path.length() && path.charAt(i) == '/') {
            i++;
        }
        return path.substring(i);
    }

    /** Sets Falco's cmdline (name + argv[1..]) and returns argv[0]. */
    private static String parseCmdline(byte[] raw, ProcSnapshot s) {
        int end = raw.length;
        while (end > 0 && raw[end - 1] == 0) {
            end--;
        }
        if (end == 0) {
            s.cmdline = s.name; // kernel threads and zombies have no command line
            return null;
        }
        int firstNul = 0;
        while (firstNul < end && raw[firstNul] != 0) {
            firstNul++;
        }
        String argv0 = new String(raw, 0, firstNul, StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(s.name != null ? s.name : argv0);
        if (firstNul < end) {
            String args = new String(raw, firstNul + 1, end - firstNul - 1, StandardCharsets.UTF_8).replace('\0', ' ');
            sb.append(' ').append(args);
        }
        if (sb.length() > MAX_CMDLINE_CHARS) {
            sb.setLength(MAX_CMDLINE_CHARS);
        }
        s.cmdline = sb.toString();
        return argv0;
    }

    /** pids.max in a pids cgroup directory: the limit, {@link #NO_LIMIT} for {@code max}, else {@link #LIMIT_UNKNOWN}. */
    public static long readPidsMax(String pidsCgroupDir) {
        if (pidsCgroupDir == null) {
            return LIMIT_UNKNOWN;
        }
        try {
            String v = readProcFile(Paths.get(pidsCgroupDir, "pids.max")).trim();
            if (v.equals("max")) {
                return NO_LIMIT;
            }
            return Long.parseLong(v);
        } catch (IOException | RuntimeException e) {
            return LIMIT_UNKNOWN;
        }
    }

    /** The {@code max} counter of pids.events in a pids cgroup directory, or -1 when unreadable. */
    public static long readPidsEventsMax(String pidsCgroupDir) {
        if (pidsCgroupDir == null) {
            return -1;
        }
        try {
            String text = readProcFile(Paths.get(pidsCgroupDir, "pids.events"));
            for (String line : text.split("\n")) {
                if (line.startsWith("max ")) {
                    return Long.parseLong(line.substring(4).trim());
                }
            }
            return -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The full capability set of the running kernel, from {@code sys/kernel/cap_last_cap}; {@code fallback} if unreadable. */
    public long fullCapabilitySet(long fallback) {
        // What --privileged grants is the runtime's bounding set, which is init's: on a node whose
        // root lacks a capability (this one has no CAP_SYS_RESOURCE) that is less than every bit up
        // to cap_last_cap, and a privileged container holds exactly it.
        try {
            String status = readProcFile(procRoot.resolve("1/status"));
            for (String line : status.split("\n")) {
                if (line.startsWith("CapBnd:")) {
                    long bnd = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    if (bnd != 0) {
                        return bnd;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // no init visible (a test's fake proc root): the kernel's full set below
        }
        try {
            int last = Integer.parseInt(readProcFile(procRoot.resolve("sys/kernel/cap_last_cap")).trim());
            if (last < 0 || last > 62) {
                return fallback;
            }
            return (1L << (last + 1)) - 1;
        } catch (IOException | RuntimeException e) {
            return fallback;
        }
    }

    /**
     * Reads a /proc or cgroup file to its end. Not Files.readString/readAllBytes: they size the read
     * by the file's reported size, and procfs reports 0 for many files, so JDK 17 returns "4" for
     * /proc/sys/kernel/cap_last_cap holding "40".
     */
    static byte[] readProcBytes(Path p) throws IOException {
        try (java.io.InputStream in = Files.newInputStream(p)) {
            return in.readAllBytes();
        }
    }

    static String readProcFile(Path p) throws IOException {
        return new String(readProcBytes(p), StandardCharsets.ISO_8859_1);
    }
}
