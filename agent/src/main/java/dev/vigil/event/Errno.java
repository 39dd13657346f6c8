package dev.vigil.event;

/** errno names (Linux x86_64) for return values, as Falco renders {@code evt.res}. */
public final class Errno {
    private Errno() {
    }

    private static final String[] NAMES = {
        "SUCCESS", "EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
        "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV",
        "ENODEV", "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG",
        "ENOSPC", "ESPIPE", "EROFS", "EMLINK", "EPIPE", "EDOM", "ERANGE"
    };

    private static final NameTable TABLE;

    static {
        Object[][] more = {
            {"EWOULDBLOCK", 11}, {"EDEADLK", 35}, {"ENAMETOOLONG", 36}, {"ENOLCK", 37}, {"ENOSYS", 38},
            {"ENOTEMPTY", 39}, {"ELOOP", 40}, {"ENOMSG", 42}, {"EIDRM", 43}, {"ENOSTR", 60},
            {"ENODATA", 61}, {"ETIME", 62}, {"ENOSR", 63}, {"ENOLINK", 67}, {"EPROTO", 71},
            {"EBADMSG", 74}, {"EOVERFLOW", 75}, {"EILSEQ", 84}, {"EUSERS", 87}, {"ENOTSOCK", 88},
            {"EDESTADDRREQ", 89}, {"EMSGSIZE", 90}, {"EPROTOTYPE", 91}, {"ENOPROTOOPT", 92},
            {"EPROTONOSUPPORT", 93}, {"ESOCKTNOSUPPORT", 94}, {"EOPNOTSUPP", 95}, {"ENOTSUP", 95},
            {"EPFNOSUPPORT", 96}, {"EAFNOSUPPORT", 97}, {"EADDRINUSE", 98}, {"EADDRNOTAVAIL", 99},
            {"ENETDOWN", 100}, {"ENETUNREACH", 101}, {"ENETRESET", 102}, {"ECONNABORTED", 103},
            {"ECONNRESET", 104}, {"ENOBUFS", 105}, {"EISCONN", 106}, {"ENOTCONN", 107},
            {"ESHUTDOWN", 108}, {"ETOOMANYREFS", 109}, {"ETIMEDOUT", 110}, {"ECONNREFUSED", 111},
            {"EHOSTDOWN", 112}, {"EHOSTUNREACH", 113}, {"EALREADY", 114}, {"EINPROGRESS", 115},
            {"ESTALE", 116}, {"EDQUOT", 122}, {"ECANCELED", 125}, {"ENOKEY", 126},
            {"EKEYEXPIRED", 127}, {"EOWNERDEAD", 130}, {"ERESTARTSYS", 512}
        };
        String[] names = new String[NAMES.length + more.length];
        long[] values = new long[names.length];
        for (int i = 0; i < NAMES.length; i++) {
            names[i] = NAMES[i];
            values[i] = -i; // errno n is returned as -n; SUCCESS as 0
        }
        int k = NAMES.length;
        for (Object[] m : more) {
            names[k] = (String) m[0];
            values[k++] = -((Integer) m[1]);
        }
        TABLE = new NameTable(names, values);
    }

    public static final long EAGAIN = -11;

    /** The return value for a name (SUCCESS = 0, EAGAIN = -11), or NOT_A_NUMBER. */
    public static long value(char[] a, int off, int len) {
        return TABLE.lookup(a, off, len);
    }

    /** Falco's rendering of a return value: SUCCESS for >= 0, the errno name when known. */
    public static String render(long res) {
        if (res >= 0) {
            return "SUCCESS";
        }
        String n = TABLE.nameOf(res);
        return n != null ? n : Long.toString(res);
    }
}
