package dev.vigil.state;

import dev.vigil.config.RuntimeConfig;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Container ids from cgroup paths, by the one rule the sensor applies too ({@code sensor/src/format.c},
 * {@code vigil_container_id_from_path}); both are checked against the case table
 * {@code docs/cgroup-layouts.tsv}, which lists every layout (Docker, containerd's CRI and native
 * {@code /<namespace>/<id>}, CRI-O, Podman; cgroupfs and systemd drivers; v1 and v2).
 *
 * <p><b>The rule.</b> Scanning the path's segments from the leaf up, the first segment that is
 * <ul>
 * <li>64 hex digits ({@code /docker/<id>}, {@code /kubepods/<qos>/pod<uid>/<id>}), or</li>
 * <li>{@code <prefix>-<64 hex>}, with an optional {@code .scope}, where the prefix is one of
 *     {@code docker}, {@code cri-containerd}, {@code crio}, {@code libpod} (so a runtime's
 *     {@code libpod-conmon-…}/{@code crio-conmon-…} helper scope is not its container), or</li>
 * <li>{@code <slice>:cri-containerd:<64 hex>} (containerd on cgroup v2 without systemd delegation)</li>
 * </ul>
 * names the container: a segment below it is a sub-cgroup of that container. Else, when the
 * <em>first</em> segment is one of containerd's configured namespaces
 * ({@link RuntimeConfig#DEFAULT_CONTAINERD_NAMESPACES} by default) and a second segment follows that
 * is a containerd identifier (alphanumerics joined by single {@code .}, {@code _} or {@code -}, at
 * most 76 chars), the second segment is the container id: {@code ctr run} and {@code nerdctl} put a
 * container in {@code /<namespace>/<id>}, and its id may be any name ({@code /k8s.io/t1}). Else the
 * path names no container: {@link #HOST}.
 *
 * <p>Falco's container plugin ({@code matchers/containerd.cpp}) takes any first segment as the
 * namespace and the whole rest of the path, sub-cgroups included, as the id, skipping only paths
 * that end in {@code .service}, {@code .slice} or {@code .scope}. Vigil differs on purpose: only
 * configured namespaces count, so an unrelated two-level cgroup (this machine has
 * {@code /process_api/<32 hex>} in its memory hierarchy) is not taken for a container; and a
 * sub-cgroup ({@code /k8s.io/t1/child}) belongs to its container {@code t1} rather than being
 * another container {@code t1/child}.
 *
 * <p><b>Short ids.</b> The short id ({@code container.id} on the wire and in alerts) is the id's
 * first 12 characters, lower-cased when they are all hex digits (so one id has one spelling); a
 * name shorter than 12 is whole, and keeps its case. Falco truncates {@code container.id} to 12 the
 * same way.
 *
 * <p><b>Keys.</b> The container table keys a container by a {@code long} ({@link #key}): a hex short
 * id is its 12 hex digits as a 48-bit number, which {@link #writeShortId} turns back into the text.
 * A named short id's key has {@link #NAMED_KEY_BIT} set, OR'ed with a 47-bit hash of its text:
 * non-negative, never equal to a hex key, but not reversible — a caller that holds a named key
 * ({@link #isNamed}) must keep the id's text itself. Two names may share a key (a hash collision,
 * about 1 in 10^14 for a pair).
 *
 * <p>Stateless; thread-safe. The char- and byte-range methods allocate nothing.
 */
public final class ContainerIds {
    /** The container id of processes outside any container, as Falco writes it. */
    public static final String HOST = "host";
    /** Characters of the short id (at most, for a named id). */
    public static final int SHORT_LENGTH = 12;
    /** The {@link #key} of a process outside any container (keys of real ids are non-negative). */
    public static final long HOST_KEY = -1;
    /** Set in the key of a named (non-hex) short id; never set in a hex key (48 bits). */
    public static final long NAMED_KEY_BIT = 1L << 48;

    private static final int FULL_LENGTH = 64;
    /** containerd's longest identifier ({@code identifiers.Validate}). */
    private static final int MAX_IDENTIFIER = 76;
    private static final long HASH_MASK = (1L << 47) - 1;
    private static final String[] RUNTIME_PREFIXES = {"docker", "cri-containerd", "crio", "libpod"};
    private static final String CRI_CONTAINERD_INFIX = ":cri-containerd";
    private static final String SCOPE = ".scope";

    private ContainerIds() {
    }

    /** The short container id of one {@code /proc/PID/cgroup} line (v1 or v2) or bare path, or {@link #HOST}. */
    public static String fromCgroupLine(String line) {
        return fromCgroupLine(line, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
    }

    /** As {@link #fromCgroupLine(String)}, with these containerd namespaces. Allocates. */
    public static String fromCgroupLine(String line, List<String> namespaces) {
        char[] a = line.toCharArray();
        long found = locate(a, 0, a.length, namespaces);
        if (found < 0) {
            return HOST;
        }
        int start = (int) (found >>> 32);
        int n = Math.min(SHORT_LENGTH, (int) found);
        String id = new String(a, start, n);
        return n == SHORT_LENGTH && allHex(a, start, n) ? id.toLowerCase(Locale.ROOT) : id;
    }

    /** The short id found in any line of a whole {@code /proc/PID/cgroup} file, or {@link #HOST}. */
    public static String fromCgroupFile(String content) {
        return fromCgroupFile(content, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
    }

    /** As {@link #fromCgroupFile(String)}, with these containerd namespaces. */
    public static String fromCgroupFile(String content, List<String> namespaces) {
        for (String line : content.split("\n")) {
            String id = fromCgroupLine(line, namespaces);
            if (!id.equals(HOST)) {
                return id;
            }
        }
        return HOST;
    }

    /**
     * Where the container id starts in a cgroup line or path held in {@code a[off, off+len)}, or -1
     * when it names no container; default containerd namespaces. The id is 64 hex digits, or a
     * containerd name: {@link #locate} gives its length too.
     */
    public static int idStart(char[] a, int off, int len) {
        return idStart(a, off, len, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
    }

    /** As {@link #idStart(char[], int, int)}, with these containerd namespaces. */
    public static int idStart(char[] a, int off, int len, List<String> namespaces) {
        long found = locate(a, off, len, namespaces);
        return found < 0 ? -1 : (int) (found >>> 32);
    }

    /**
     * The container id in a cgroup line ({@code 8:pids:/…}, {@code 0::/…}) or bare path held in
     * {@code a[off, off+len)}: {@code (long) start << 32 | length} of the whole id in {@code a}, or
     * -1 when the path names no container. Trailing {@code \n}, {@code \r} and spaces are ignored.
     */
    public static long locate(char[] a, int off, int len, List<String> namespaces) {
        int end = off + len;
        while (end > off && (a[end - 1] == '\n' || a[end - 1] == '\r' || a[end - 1] == ' ')) {
            end--;
        }
        // The path follows the second ':' of a v1/v2 line and starts with '/'; else the text is a bare path.
        int pathStart = off;
        int colons = 0;
        for (int i = off; i < end && colons < 2 && a[i] != '/'; i++) {
            if (a[i] == ':') {
                colons++;
                pathStart = i + 1;
            }
        }
        if (colons < 2 || pathStart == end || a[pathStart] != '/') {
            pathStart = off;
        }
        // From the leaf up; empty segments (a leading, trailing or double '/') do not count.
        int firstStart = -1;
        int firstEnd = -1;
        int secondStart = -1;
        int secondEnd = -1;
        int segEnd = end;
        while (segEnd > pathStart) {
            int segStart = segEnd;
            while (segStart > pathStart && a[segStart - 1] != '/') {
                segStart--;
            }
            if (segEnd > segStart) {
                int id = hexIdInSegment(a, segStart, segEnd);
                if (id >= 0) {
                    return (long) id << 32 | FULL_LENGTH;
                }
                secondStart = firstStart;
                secondEnd = firstEnd;
                firstStart = segStart;
                firstEnd = segEnd;
            }
            segEnd = segStart - 1;
        }
        // firstStart/secondStart are now the root-most two segments.
        if (secondStart >= 0 && isContainerdIdentifier(a, secondStart, secondEnd)
            && isNamespace(a, firstStart, firstEnd, namespaces)) {
            return (long) secondStart << 32 | (secondEnd - secondStart);
        }
        return -1;
    }

    /**
     * The {@link #key} of the container a cgroup line or path names, or {@link #HOST_KEY}; allocation-free.
     */
    public static long keyOfCgroupLine(char[] a, int off, int len, List<String> namespaces) {
        long found = locate(a, off, len, namespaces);
        return found < 0 ? HOST_KEY : key(a, (int) (found >>> 32), (int) found);
    }

    private static boolean isNamespace(char[] a, int start, int end, List<String> namespaces) {
        for (int i = 0, n = namespaces.size(); i < n; i++) {
            if (regionIs(a, start, end, namespaces.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean regionIs(char[] a, int start, int end, String s) {
        if (end - start != s.length()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (a[start + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** Where a 64-hex id starts in the segment {@code a[start, end)}, or -1. */
    private static int hexIdInSegment(char[] a, int start, int end) {
        int n = end - start;
        if (n == FULL_LENGTH) {
            return allHex(a, start, FULL_LENGTH) ? start : -1;
        }
        int idEnd = end;
        if (n > SCOPE.length() && regionIs(a, end - SCOPE.length(), end, SCOPE)) {
            idEnd = end - SCOPE.length();
        }
        int idStart = idEnd - FULL_LENGTH;
        if (idStart < start + 2 || !allHex(a, idStart, FULL_LENGTH)) {
            return -1;
        }
        int sep = idStart - 1;
        if (a[sep] == '-') {
            for (String prefix : RUNTIME_PREFIXES) {
                if (regionIs(a, start, sep, prefix)) {
                    return idStart;
                }
            }
        } else if (a[sep] == ':' && idEnd == end && sep - start > CRI_CONTAINERD_INFIX.length()
            && regionIs(a, sep - CRI_CONTAINERD_INFIX.length(), sep, CRI_CONTAINERD_INFIX)) {
            return idStart;
        }
        return -1;
    }

    private static boolean isAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    /** containerd's identifier grammar: alphanumerics joined by single '.', '_' or '-', at most 76 chars. */
    private static boolean isContainerdIdentifier(char[] a, int start, int end) {
        int n = end - start;
        if (n == 0 || n > MAX_IDENTIFIER) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = a[i];
            if (isAlnum(c)) {
                continue;
            }
            if ((c == '.' || c == '_' || c == '-') && i > start && i + 1 < end && isAlnum(a[i - 1]) && isAlnum(a[i + 1])) {
                continue;
            }
            return false;
        }
        return true;
    }

    /** The short id's 12 hex digits (either case) at {@code a[off]} as a 48-bit number, or -1 if any is not one. */
    private static long hexValue(char[] a, int off) {
        long v = 0;
        for (int i = off; i < off + SHORT_LENGTH; i++) {
            int d = hexDigit(a[i]);
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    /** As {@link #hexValue(char[], int)}, over UTF-8 bytes. */
    private static long hexValue(byte[] a, int off) {
        long v = 0;
        for (int i = off; i < off + SHORT_LENGTH; i++) {
            int d = hexDigit((char) a[i]); // a negative byte (not ASCII) becomes a char above the table: -1
            if (d < 0) {
                return -1;
            }
            v = (v << 4) | d;
        }
        return v;
    }

    private static boolean allHex(char[] a, int off, int len) {
        for (int i = off; i < off + len; i++) {
            if (hexDigit(a[i]) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The value of an ASCII hex digit (either case), or -1: no Unicode digits, unlike {@link Character#digit}.
     * A table, not range tests: in a random id digits and letters come in no order a branch could learn
     * (every event's container id passes here; no hardware counters here to count the mispredictions).
     */
    static int hexDigit(char c) {
        return c < HEX_VALUES.length ? HEX_VALUES[c] : -1;
    }

    private static final byte[] HEX_VALUES = hexValues();

    private static byte[] hexValues() {
        byte[] t = new byte[128];
        Arrays.fill(t, (byte) -1);
        for (int d = 0; d < 16; d++) {
            t[Character.forDigit(d, 16)] = (byte) d;
            t[Character.toUpperCase(Character.forDigit(d, 16))] = (byte) d;
        }
        return t;
    }

    /**
     * The table key of a short or full id text in {@code a[off, off+len)}: when its first 12 chars
     * are hex digits (either case), those as a 48-bit number; else, for a containerd name
     * ({@code [A-Za-z0-9._-]}), {@link #NAMED_KEY_BIT} OR'ed with a 47-bit hash of its first (up to)
     * 12 chars, case-sensitive; {@link #HOST_KEY} for {@code host}, an empty text or anything else.
     * The key of a full id equals the key of its short id.
     */
    public static long key(char[] a, int off, int len) {
        if (len == 0 || regionIs(a, off, off + len, HOST)) {
            return HOST_KEY;
        }
        if (len >= SHORT_LENGTH) {
            long v = hexValue(a, off); // every event's container id passes here: one pass, no Unicode tables
            if (v >= 0) {
                return v;
            }
        }
        int n = Math.min(len, SHORT_LENGTH);
        long h = FNV_OFFSET;
        for (int i = off; i < off + n; i++) {
            char c = a[i];
            if (!isNameChar(c)) {
                return HOST_KEY;
            }
            h = (h ^ c) * FNV_PRIME;
        }
        return namedKey(h);
    }

    /** As {@link #key(char[], int, int)}, of an id's UTF-8 bytes (an event's text): the same key for the same text. */
    public static long key(byte[] a, int off, int len) {
        if (len == 0 || dev.vigil.event.Chars.equals(a, off, len, HOST)) {
            return HOST_KEY;
        }
        if (len >= SHORT_LENGTH) {
            long v = hexValue(a, off);
            if (v >= 0) {
                return v;
            }
        }
        int n = Math.min(len, SHORT_LENGTH);
        long h = FNV_OFFSET;
        for (int i = off; i < off + n; i++) {
            byte c = a[i]; // a byte of a character beyond ASCII is negative: no name char
            if (!isNameChar((char) c)) {
                return HOST_KEY;
            }
            h = (h ^ c) * FNV_PRIME;
        }
        return namedKey(h);
    }

    // FNV-1a over a name's (ASCII) chars, folded to 47 bits.
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private static boolean isNameChar(char c) {
        return isAlnum(c) || c == '.' || c == '_' || c == '-';
    }

    private static long namedKey(long h) {
        return NAMED_KEY_BIT | ((h ^ (h >>> 47)) & HASH_MASK);
    }

    /** As {@link #key(char[], int, int)}, of a whole string. Allocates. */
    public static long key(String id) {
        char[] a = id.toCharArray();
        return key(a, 0, a.length);
    }

    /** Whether a key is a named id's (its text is not in the key: the caller keeps it). */
    public static boolean isNamed(long key) {
        return key >= 0 && (key & NAMED_KEY_BIT) != 0;
    }

    /**
     * Writes the 12 lower-case hex digits of a hex key into {@code out[off..off+12)} and returns
     * true; writes nothing and returns false for {@link #HOST_KEY}, any negative key, or a named key
     * ({@link #isNamed}), whose text the caller must keep.
     */
    public static boolean writeShortId(long key, char[] out, int off) {
        if (key < 0 || isNamed(key)) {
            return false;
        }
        for (int i = SHORT_LENGTH - 1; i >= 0; i--) {
            out[off + i] = Character.forDigit((int) (key & 0xf), 16);
            key >>>= 4;
        }
        return true;
    }

    /**
     * The short id text of a hex key, or {@link #HOST} for a negative key. Allocates.
     *
     * @throws IllegalArgumentException for a named key: its text cannot be rebuilt from the key
     */
    public static String shortId(long key) {
        if (key < 0) {
            return HOST;
        }
        if (isNamed(key)) {
            throw new IllegalArgumentException("a named container key: keep the id's text");
        }
        char[] c = new char[SHORT_LENGTH];
        writeShortId(key, c, 0);
        return new String(c);
    }
}
