package dev.vigil.state;

/**
 * Container ids from cgroup paths, as container runtimes lay them out:
 * <ul>
 * <li>Docker, cgroupfs driver: {@code /docker/<64hex>}</li>
 * <li>Docker, systemd driver: {@code /system.slice/docker-<64hex>.scope}</li>
 * <li>containerd/CRI: {@code /kubepods/burstable/pod<uid>/<64hex>},
 *     {@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<64hex>.scope}</li>
 * <li>CRI-O: {@code crio-<64hex>.scope}; Podman: {@code libpod-<64hex>.scope}, {@code /machine.slice/libpod-<64hex>.scope}</li>
 * </ul>
 * A line of {@code /proc/PID/cgroup} may be cgroup v1 ({@code 8:pids:/docker/<id>}) or v2 ({@code 0::/...}).
 * The id is the last path segment that is 64 hex digits, alone or between a runtime prefix ending in
 * {@code -} and an optional {@code .scope}; a runtime's helper scopes ({@code libpod-conmon-…}) are not
 * containers. The short id is the first 12 hex digits, lower case.
 *
 * <p>Stateless; thread-safe. The char-range methods allocate nothing.
 */
public final class ContainerIds {
    /** The container id of processes outside any container, as Falco writes it. */
    public static final String HOST = "host";
    /** Hex digits of the short id. */
    public static final int SHORT_LENGTH = 12;
    /** The {@link #key} of a process outside any container (keys of real ids are non-negative). */
    public static final long HOST_KEY = -1;

    private static final int FULL_LENGTH = 64;

    private ContainerIds() {
    }

    /** The short container id of one {@code /proc/PID/cgroup} line (v1 or v2), or {@link #HOST}. */
    public static String fromCgroupLine(String line) {
        char[] a = line.toCharArray();
        int at = idStart(a, 0, a.length);
        return at < 0 ? HOST : new String(a, at, SHORT_LENGTH).toLowerCase(java.util.Locale.ROOT);
    }

    /** The short id found in any line of a whole {@code /proc/PID/cgroup} file, or {@link #HOST}. */
    public static String fromCgroupFile(String content) {
        for (String line : content.split("\n")) {
            String id = fromCgroupLine(line);
            if (!id.equals(HOST)) {
                return id;
            }
        }
        return HOST;
    }

    /**
     * Where the 64-hex container id starts in a cgroup line or path held in {@code a[off, off+len)},
     * or -1 when it names no container.
     */
    public static int idStart(char[] a, int off, int len) {
        int end = off + len;
        while (end > off && (a[end - 1] == '\n' || a[end - 1] == '\r' || a[end - 1] == ' ')) {
            end--;
        }
        // The path follows the second ':' of a v1/v2 line; a bare path has none.
        int pathStart = off;
        int colons = 0;
        for (int i = off; i < end && colons < 2; i++) {
            if (a[i] == ':') {
                colons++;
                pathStart = i + 1;
            }
        }
        if (colons == 1) {
            pathStart = off;
        }
        int segEnd = end;
        while (segEnd > pathStart) {
            int segStart = segEnd;
            while (segStart > pathStart && a[segStart - 1] != '/') {
                segStart--;
            }
            int found = idInSegment(a, segStart, segEnd);
            if (found >= 0) {
                return found;
            }
            segEnd = segStart - 1;
        }
        return -1;
    }

    private static int idInSegment(char[] a, int start, int end) {
        int n = end - start;
        if (n == FULL_LENGTH) {
            return allHex(a, start, FULL_LENGTH) ? start : -1;
        }
        // <prefix>-<64hex>[.scope]
        int idEnd = end;
        if (n > 6 && a[end - 6] == '.' && a[end - 5] == 's' && a[end - 4] == 'c' && a[end - 3] == 'o'
            && a[end - 2] == 'p' && a[end - 1] == 'e') {
            idEnd = end - 6;
        }
        int idStart = idEnd - FULL_LENGTH;
        if (idStart < start + 2 || (a[idStart - 1] != '-' && a[idStart - 1] != ':') || !allHex(a, idStart, FULL_LENGTH)) {
            return -1;
        }
        if (isConmon(a, start, idStart - 1)) {
            return -1;
        }
        return idStart;
    }

    private static boolean isConmon(char[] a, int start, int end) {
        String conmon = "conmon";
        int n = conmon.length();
        if (end - start < n) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            if (a[end - n + i] != conmon.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static boolean allHex(char[] a, int off, int len) {
        for (int i = off; i < off + len; i++) {
            char c = a[i];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The table key of a short or full id text: its first 12 hex digits as a number (48 bits, so
     * non-negative); {@link #HOST_KEY} for {@code host}, an empty text or anything not hex.
     */
    public static long key(char[] a, int off, int len) {
        if (len < SHORT_LENGTH) {
            return HOST_KEY;
        }
        long v = 0;
        for (int i = off; i < off + SHORT_LENGTH; i++) {
            int d = Character.digit(a[i], 16);
            if (d < 0) {
                return HOST_KEY;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    public static long key(String id) {
        char[] a = id.toCharArray();
        return key(a, 0, a.length);
    }

    /** Writes the 12 lower-case hex digits of a key into {@code out[off..off+12)}. */
    public static void writeShortId(long key, char[] out, int off) {
        for (int i = SHORT_LENGTH - 1; i >= 0; i--) {
            out[off + i] = Character.forDigit((int) (key & 0xf), 16);
            key >>>= 4;
        }
    }

    /** The short id text of a key, or {@link #HOST}. Allocates. */
    public static String shortId(long key) {
        if (key < 0) {
            return HOST;
        }
        char[] c = new char[SHORT_LENGTH];
        writeShortId(key, c, 0);
        return new String(c);
    }
}
