package dev.vigil.event;

import java.util.ArrayList;
import java.util.List;

/** Linux capability numbers and names (include/uapi/linux/capability.h), and mask helpers. */
public final class Capabilities {
    private Capabilities() {
    }

    private static final String[] NAMES = {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE"
    };

    /** CAP_LAST_CAP + 1 on current kernels. */
    public static final int COUNT = NAMES.length;
    public static final int CAP_NET_RAW = 13;
    public static final int CAP_SYS_ADMIN = 21;
    /** Every capability this table knows: what {@code --privileged} gives. */
    public static final long FULL_SET = (1L << COUNT) - 1;
    /** Docker's default capability set for containers. */
    public static final long DOCKER_DEFAULT = 0x00000000a80425fbL;

    private static final NameTable TABLE;

    static {
        String[] names = new String[COUNT * 2];
        long[] values = new long[COUNT * 2];
        for (int i = 0; i < COUNT; i++) {
            names[i] = NAMES[i];
            values[i] = i;
            names[COUNT + i] = NAMES[i].substring(4); // SYS_ADMIN, as some tools print
            values[COUNT + i] = i;
        }
        TABLE = new NameTable(names, values);
    }

    /** The capability number for a name (CAP_SYS_ADMIN or SYS_ADMIN, upper case), or NOT_A_NUMBER. */
    public static long number(char[] a, int off, int len) {
        return TABLE.lookup(a, off, len);
    }

    public static int number(String name) {
        long n = TABLE.lookup(name.toUpperCase(java.util.Locale.ROOT));
        return n == Chars.NOT_A_NUMBER ? -1 : (int) n;
    }

    public static String name(int cap) {
        return cap >= 0 && cap < COUNT ? NAMES[cap] : "CAP_" + cap;
    }

    /**
     * Parses a mask in any form of the wire contract: {@code 0x}-hex, bare hex (as in
     * /proc/PID/status), or space-separated names (Falco's rendering). Returns NOT_A_NUMBER if it
     * is none of these. An empty string is the empty set.
     */
    public static long parseMask(char[] a, int off, int len) {
        int end = off + len;
        while (off < end && a[off] == ' ') {
            off++;
        }
        while (end > off && a[end - 1] == ' ') {
            end--;
        }
        len = end - off;
        if (len == 0) {
            return 0;
        }
        if (len > 2 && a[off] == '0' && (a[off + 1] == 'x' || a[off + 1] == 'X')) {
            return Chars.parseHex(a, off + 2, len - 2);
        }
        if (a[off] != 'C' || len < 4 || a[off + 1] != 'A') {
            return Chars.parseHex(a, off, len);
        }
        long mask = 0;
        int i = off;
        while (i < end) {
            int j = i;
            while (j < end && a[j] != ' ' && a[j] != '|' && a[j] != ',') {
                j++;
            }
            if (j > i) {
                long cap = TABLE.lookup(a, i, j - i);
                if (cap == Chars.NOT_A_NUMBER) {
                    return Chars.NOT_A_NUMBER;
                }
                mask |= 1L << cap;
            }
            i = j + 1;
        }
        return mask;
    }

    public static long parseMask(String s) {
        char[] c = s.toCharArray();
        return parseMask(c, 0, c.length);
    }

    /** Falco's rendering: space-separated names, lowest bit first. */
    public static String names(long mask) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            if ((mask & (1L << i)) != 0) {
                out.add(name(i));
            }
        }
        return String.join(" ", out);
    }

    /** The {@code /proc/PID/status} rendering: {@code 0x} and 16 hex digits. */
    public static String hex(long mask) {
        return String.format("0x%016x", mask);
    }
}
