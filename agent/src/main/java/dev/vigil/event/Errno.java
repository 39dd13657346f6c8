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
        String[] names = new String[NAMES.length + 12];
        long[] values = new long[names.length];
        for (int i = 0; i < NAMES.length; i++) {
            names[i] = NAMES[i];
            values[i] = -i; // errno n is returned as -n; SUCCESS as 0
        }
        int k = NAMES.length;
        Object[][] more = {
            {"EWOULDBLOCK", 11}, {"EDEADLK", 35}, {"ENAMETOOLONG", 36}, {"ENOSYS", 38},
            {"ENOTEMPTY", 39}, {"ELOOP", 40}, {"ENOTSUP", 95}, {"EOPNOTSUPP", 95},
            {"EAFNOSUPPORT", 97}, {"ECONNREFUSED", 111}, {"EINPROGRESS", 115}, {"ETIMEDOUT", 110}
        };
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
