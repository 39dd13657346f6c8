package dev.vigil.event;

/**
 * Event type names interned to small ids, so that rules are indexed by an array and the decoder
 * resolves {@code evt.type} without a String. Id 0 ({@link #OTHER}) stands for every name not in the
 * table; such events still carry their name as text. Immutable; thread-safe.
 */
public final class EventTypes {
    private EventTypes() {
    }

    public static final int OTHER = 0;

    private static final String[] NAMES = {
        "<other>",
        // process life cycle
        "execve", "execveat", "clone", "clone3", "fork", "vfork", "procexit", "exit", "exit_group",
        // capability checks (cap_capable) and the CAP_SYS_ADMIN syscalls
        "capable", "setns", "unshare", "mount", "umount", "umount2", "pivot_root", "bpf", "init_module",
        "finit_module", "delete_module", "swapon", "swapoff", "sethostname", "setdomainname", "ptrace",
        "kexec_load", "kexec_file_load", "perf_event_open", "fsopen", "fsmount", "move_mount",
        "open_tree", "quotactl", "chroot", "capset", "setuid", "setgid", "setresuid", "setresgid",
        "prctl", "seccomp", "userfaultfd", "process_vm_readv", "process_vm_writev", "iopl", "ioperm",
        "reboot", "settimeofday", "clock_settime", "adjtimex",
        // network
        "socket", "socketpair", "connect", "accept", "accept4", "bind", "listen", "sendto", "recvfrom",
        "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "setsockopt", "getsockopt",
        // files
        "open", "openat", "openat2", "creat", "close", "read", "write", "pread", "pwrite", "readv",
        "writev", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat", "rmdir",
        "symlink", "symlinkat", "link", "linkat", "chmod", "fchmod", "fchmodat", "chown", "fchown",
        "fchownat", "lchown", "access", "stat", "lstat", "fstat", "newfstatat", "dup", "dup2", "dup3",
        "fcntl", "ioctl", "mmap", "munmap", "mprotect", "madvise", "memfd_create", "truncate",
        "ftruncate", "sendfile", "splice", "copy_file_range", "inotify_init", "inotify_init1",
        // other
        "kill", "tkill", "tgkill", "signalfd", "signalfd4", "eventfd", "eventfd2", "pipe", "pipe2",
        "epoll_create", "epoll_create1", "epoll_wait", "poll", "select", "futex", "nanosleep",
        "brk", "getrlimit", "setrlimit", "prlimit", "chdir", "fchdir", "getcwd", "switch", "container",
        "procinfo", "vigil_sensor_lost",
        // the bundled sensor's per-cgroup budget: a throttle episode's start and stop
        "vigil_sensor_throttle",
        // synthesized by the state stage from a container's pids.events counter
        "pids_max_hit",
        // synthesized by the state stage once per container start (and per privileged exec): its sandbox
        "container_posture"
    };

    /** Number of interned ids; arrays indexed by type id have this length. */
    public static final int COUNT = NAMES.length;

    private static final NameTable TABLE;

    static {
        long[] ids = new long[NAMES.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i;
        }
        TABLE = new NameTable(NAMES, ids);
    }

    /** The id of the name in the range, or {@link #OTHER}. */
    public static int id(char[] a, int off, int len) {
        long id = TABLE.lookup(a, off, len);
        return id == Chars.NOT_A_NUMBER ? OTHER : (int) id;
    }

    /** The id of the name, or {@link #OTHER} if it is not interned. */
    public static int id(String name) {
        char[] c = name.toCharArray();
        return id(c, 0, c.length);
    }

    public static String name(int id) {
        return NAMES[id];
    }

    public static final int EXECVE = id("execve");
    public static final int CLONE = id("clone");
    public static final int CLONE3 = id("clone3");
    public static final int FORK = id("fork");
    public static final int VFORK = id("vfork");
    public static final int PROCEXIT = id("procexit");
    public static final int CAPABLE = id("capable");
    public static final int SOCKET = id("socket");
    public static final int SENSOR_LOST = id("vigil_sensor_lost");
    public static final int SENSOR_THROTTLE = id("vigil_sensor_throttle");
    public static final int PIDS_MAX_HIT = id("pids_max_hit");
    public static final int CONTAINER_POSTURE = id("container_posture");
}
