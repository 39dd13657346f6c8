package dev.vigil.cli;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;

/**
 * Takes from the agent what it no longer needs once the socket is bound and the sensor child (if
 * any) started: sets {@code PR_SET_NO_NEW_PRIVS} and drops every capability (bounding set, ambient
 * set, then effective, permitted and inheritable with {@code capset(2)}), and logs one line saying so.
 *
 * <p><b>Capabilities are per thread on Linux</b>, and the JVM starts its threads (GC, JIT
 * compilers, VM thread, signal dispatcher, then Netty, the pipeline, the HTTP server) long before
 * this runs; {@code capset(2)} changes only the calling thread, and no system call changes another
 * thread's capabilities. What this class does for the whole process:
 * <ul>
 *   <li>no_new_privs: set on the calling thread, then on every thread by installing an allow-all
 *       seccomp filter with {@code SECCOMP_FILTER_FLAG_TSYNC} — the kernel copies the caller's
 *       no_new_privs to each thread it synchronises. No thread can then gain privileges by execve
 *       (setuid binaries, file capabilities).
 *   <li>capabilities: dropped in the calling thread (and so in every thread and process it starts
 *       afterwards); threads started before keep theirs. {@link Result#threadsHoldingCapabilities()}
 *       names them, and the log line says how many. That is why {@code vigil run}, started with
 *       capabilities, first re-executes itself without any ({@link CapabilityDropExec}); this class
 *       is then the check (it finds none) and the fallback when that exec failed.
 * </ul>
 *
 * <p>Never throws: a step that fails is logged and reported in the result.
 * Threading: call once, from the thread that will start no further privileged work (the main thread).
 */
public final class ProcessHardening {
    private static final int SECCOMP_SET_MODE_FILTER = 1;
    private static final int SECCOMP_FILTER_FLAG_TSYNC = 1;
    /** BPF_RET | BPF_K, returning SECCOMP_RET_ALLOW: a filter that allows every system call. */
    private static final short BPF_RET_K = 0x06;
    private static final int SECCOMP_RET_ALLOW = 0x7fff0000;

    /** What {@link #apply()} did. {@code capEff*} are this thread's CapEff from /proc/thread-self/status. */
    public record Result(long tid, boolean noNewPrivs, boolean noNewPrivsAllThreads, int boundingDropped,
                         boolean ambientCleared, boolean capsCleared, long capEffBefore, long capEffAfter,
                         int threads, List<String> threadsHoldingCapabilities, List<String> failures) {
    }

    private final Logger log;
    private final Path procSelf;

    public ProcessHardening(Logger log) {
        this(log, Path.of("/proc/self"));
    }

    ProcessHardening(Logger log, Path procSelf) {
        this.log = log;
        this.procSelf = procSelf;
    }

    /** Applies the hardening; see the class comment for what it covers. */
    public Result apply() {
        List<String> failures = new ArrayList<>();
        LinuxCalls.LibC libc;
        try {
            libc = LinuxCalls.libc();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            failures.add("libc not available through JNA: " + e.getMessage());
            log.warn("process hardening not applied: {}", failures);
            return new Result(-1, false, false, 0, false, false, -1, -1, 0, List.of(), List.copyOf(failures));
        }
        long tid = threadId();
        long before = threadCapEff(tid);

        // The bounding set first: dropping from it needs CAP_SETPCAP, which capset takes away.
        int[] dropped = {0};
        call(failures, "bounding set", () -> dropped[0] = LinuxCalls.dropBoundingSet(libc));
        boolean ambient = call(failures, "ambient set",
            () -> libc.prctl(LinuxCalls.PR_CAP_AMBIENT, LinuxCalls.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0));
        boolean caps = call(failures, "capset", () -> LinuxCalls.clearThreadCapabilities(libc));
        boolean nnp = call(failures, "no_new_privs", () -> libc.prctl(LinuxCalls.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0));
        boolean nnpAll = nnp && call(failures, "seccomp TSYNC", () -> syncNoNewPrivs(libc));

        long after = threadCapEff(tid);
        List<String> holding = new ArrayList<>();
        int threads = threadsHoldingCapabilities(holding);
        Result r = new Result(tid, nnp, nnpAll, dropped[0], ambient, caps, before, after, threads, List.copyOf(holding),
            List.copyOf(failures));
        log.info("process hardening: no_new_privs {}, dropped {} capabilities from the bounding set, ambient {}, "
                + "capset {}; CapEff {} -> {} in this thread (tid {}); {} of {} threads (started before) still hold capabilities{}{}",
            nnpAll ? "set in every thread" : nnp ? "set in this thread only" : "NOT set",
            dropped[0], ambient ? "cleared" : "NOT cleared", caps ? "cleared" : "FAILED",
            hex(before), hex(after), tid, holding.size(), threads,
            holding.isEmpty() ? "" : " " + holding, failures.isEmpty() ? "" : "; failed: " + failures);
        return r;
    }

    private interface Call {
        long run() throws LastErrorException;
    }

    private static boolean call(List<String> failures, String what, Call c) {
        try {
            c.run();
            return true;
        } catch (LastErrorException e) {
            failures.add(what + ": errno " + e.getErrorCode());
            return false;
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            failures.add(what + ": " + e.getMessage());
            return false;
        }
    }

    /** An allow-all seccomp filter installed with TSYNC: the kernel sets no_new_privs on every thread. */
    private static long syncNoNewPrivs(LinuxCalls.LibC libc) {
        long nr = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> 317;
            case "aarch64" -> 277;
            default -> throw new UnsupportedOperationException("seccomp syscall number unknown on "
                + System.getProperty("os.arch"));
        };
        Memory filter = new Memory(8); // struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}
        filter.setShort(0, BPF_RET_K);
        filter.setByte(2, (byte) 0);
        filter.setByte(3, (byte) 0);
        filter.setInt(4, SECCOMP_RET_ALLOW);
        Memory prog = new Memory(16); // struct sock_fprog {unsigned short len; struct sock_filter *filter}
        prog.clear();
        prog.setShort(0, (short) 1);
        prog.setPointer(8, filter);
        // Longs: syscall(2) reads every argument as a long.
        return libc.syscall(nr, (long) SECCOMP_SET_MODE_FILTER, (long) SECCOMP_FILTER_FLAG_TSYNC, prog);
    }

    private static long threadId() {
        try {
            return Long.parseLong(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The thread's own CapEff (capabilities differ per thread). */
    private long threadCapEff(long tid) {
        if (tid < 0) {
            return -1;
        }
        return LinuxCalls.statusHex(procSelf.resolve("task").resolve(Long.toString(tid)).resolve("status"), "CapEff:");
    }

    /** Fills {@code holding} with "name(tid)" of threads whose CapEff or CapPrm is not empty; returns the thread count. */
    private int threadsHoldingCapabilities(List<String> holding) {
        int n = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(procSelf.resolve("task"))) {
            for (Path t : tasks) {
                n++;
                long eff = LinuxCalls.statusHex(t.resolve("status"), "CapEff:");
                long prm = LinuxCalls.statusHex(t.resolve("status"), "CapPrm:");
                if (eff != 0 || prm != 0) {
                    String name;
                    try {
                        name = Files.readString(t.resolve("comm")).trim();
                    } catch (IOException e) {
                        name = "?";
                    }
                    holding.add(name + "(" + t.getFileName() + ")");
                }
            }
        } catch (IOException e) {
            holding.add("unknown: " + e.getMessage());
        }
        return n;
    }

    private static String hex(long v) {
        return v < 0 ? "?" : String.format("%016x", v);
    }
}
