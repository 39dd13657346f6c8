package dev.vigil.event;

/** Socket families and types by name, for {@code socket} arguments. */
public final class SocketNames {
    private SocketNames() {
    }

    public static final int AF_INET = 2;
    public static final int AF_INET6 = 10;
    public static final int AF_PACKET = 17;
    public static final int SOCK_RAW = 3;
    /** The type argument's low bits; SOCK_CLOEXEC (02000000) and SOCK_NONBLOCK (04000) sit above. */
    public static final int SOCK_TYPE_MASK = 0xf;

    private static final NameTable FAMILIES = new NameTable(
        new String[] {"AF_UNSPEC", "AF_UNIX", "AF_LOCAL", "AF_INET", "AF_AX25", "AF_IPX", "AF_APPLETALK",
            "AF_NETROM", "AF_BRIDGE", "AF_ATMPVC", "AF_X25", "AF_INET6", "AF_ROSE", "AF_DECnet",
            "AF_NETBEUI", "AF_SECURITY", "AF_KEY", "AF_NETLINK", "AF_ROUTE", "AF_PACKET", "AF_VSOCK",
            "AF_XDP"},
        new long[] {0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 16, 17, 40, 44});

    private static final NameTable TYPES = new NameTable(
        new String[] {"SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP",
            "SOCK_PACKET"},
        new long[] {1, 2, 3, 4, 5, 6, 10});

    public static long family(char[] a, int off, int len) {
        return FAMILIES.lookup(a, off, len);
    }

    /** A type name, optionally followed by {@code |SOCK_CLOEXEC} or {@code |SOCK_NONBLOCK}. */
    public static long type(char[] a, int off, int len) {
        int bar = off;
        while (bar < off + len && a[bar] != '|') {
            bar++;
        }
        return TYPES.lookup(a, off, bar - off);
    }

    public static String familyName(long family) {
        String n = FAMILIES.nameOf(family);
        return n != null ? n : Long.toString(family);
    }

    public static String typeName(long type) {
        String n = TYPES.nameOf(type);
        return n != null ? n : Long.toString(type);
    }
}
