package dev.vigil.cli;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;

/**
 * Runs the agent again, in the same process, without any capability: drops the bounding,
 * ambient and inheritable sets of the calling thread, sets no_new_privs, and {@code execve}s the
 * same java command line.
 *
 * <p>Why an exec: capabilities are per thread on Linux, and by the time {@code main} runs the JVM
 * has started its GC, compiler and VM threads with whatever the launcher had (all of root's);
 * no system call changes another thread's capabilities. After {@code execve} the kernel computes
 * the new image's sets from the calling thread's: with empty inheritable, ambient and bounding sets
 * even uid 0 gets no permitted and no effective capability, and every thread the new JVM starts
 * inherits that. The pid, the uid, stdin/stdout/stderr and children (the sensor) stay; every other
 * descriptor is closed on exec.
 *
 * <p>The new JVM sees {@link #DONE_ENV} set, so it never loops; a failure on the way is logged and
 * the caller goes on with the in-process hardening of {@link ProcessHardening}.
 */
final class CapabilityDropExec {
    /** Set in the environment of the exec'd agent. */
    static final String DONE_ENV = "VIGIL_CAPABILITIES_DROPPED";
    /** The pid of a sensor started before the exec, for the new JVM to adopt. */
    static final String SENSOR_PID_ENV = "VIGIL_SENSOR_PID";

    private static final int PR_CAPBSET_READ = 23;
    private static final int PR_CAPBSET_DROP = 24;
    private static final int PR_SET_NO_NEW_PRIVS = 38;
    private static final int PR_CAP_AMBIENT = 47;
    private static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;
    private static final int F_SETFD = 2;
    private static final int FD_CLOEXEC = 1;

    interface LibC extends Library {
        int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

        int capset(Memory header, Memory data) throws LastErrorException;

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        /** JNA passes each String[] as a NULL-terminated char*[]. */
        int execve(String path, String[] argv, String[] envp) throws LastErrorException;
    }

    private CapabilityDropExec() {
    }

    /** Whether this process should re-run itself: it holds a capability and has not done so yet. */
    static boolean wanted(Map<String, String> env) {
        return env.get(DONE_ENV) == null && ProcessHardening.statusHex(Path.of("/proc/thread-self/status"), "CapPrm:") != 0;
    }

    /**
     * Drops the capabilities and execs; returns only on failure, with the reason (the process then
     * still holds its capabilities in the threads started before, and the caller hardens in process).
     *
     * @param sensorPid a child to hand over to the new JVM, or -1
     */
    static String exec(Logger log, long sensorPid) {
        List<String> argv;
        try {
            argv = commandLine();
        } catch (IOException e) {
            return "cannot read /proc/self/cmdline: " + e.getMessage();
        }
        Map<String, String> env = new TreeMap<>(System.getenv());
        env.put(DONE_ENV, "1");
        if (sensorPid > 0) {
            env.put(SENSOR_PID_ENV, Long.toString(sensorPid));
        } else {
            env.remove(SENSOR_PID_ENV);
        }
        String[] envp = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        String exe;
        try {
            exe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
        } catch (IOException e) {
            return "cannot read /proc/self/exe: " + e.getMessage();
        }
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "libc not available through JNA: " + e.getMessage();
        }
        try {
            closeOnExec(libc);
            int lastCap = lastCap();
            for (int cap = 0; cap <= lastCap; cap++) {
                if (libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) {
                    libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); // needs CAP_SETPCAP: so first
                }
            }
            libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
            Memory header = new Memory(8);
            header.setInt(0, LINUX_CAPABILITY_VERSION_3);
            header.setInt(4, 0); // this thread
            Memory data = new Memory(24); // {effective, permitted, inheritable} x 2, all empty
            data.clear();
            libc.capset(header, data);
            libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        } catch (LastErrorException e) {
            // The bounding set may be left half dropped: harmless, the in-process hardening drops the rest.
            return "dropping capabilities before exec failed: errno " + e.getErrorCode();
        }
        log.info("process hardening: capabilities dropped from the bounding, ambient and inheritable sets; "
            + "re-executing {} without any capability (pid {} stays{})", exe, ProcessHandle.current().pid(),
            sensorPid > 0 ? ", the sensor " + sensorPid + " is handed over" : "");
        flushStandardStreams();
        try {
            libc.execve(exe, argv.toArray(String[]::new), envp);
            return "execve returned"; // never: execve returns only by throwing
        } catch (LastErrorException e) {
            return "execve " + exe + " failed: errno " + e.getErrorCode();
        }
    }

    /** argv of this process: NUL-separated in /proc/self/cmdline. */
    static List<String> commandLine() throws IOException {
        byte[] raw;
        try (InputStream in = Files.newInputStream(Path.of("/proc/self/cmdline"))) {
            raw = in.readAllBytes(); // to EOF: procfs reports size 0
        }
        List<String> args = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] == 0) {
                args.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < raw.length) {
            args.add(new String(raw, start, raw.length - start, StandardCharsets.UTF_8));
        }
        if (args.isEmpty()) {
            throw new IOException("empty");
        }
        return args;
    }

    /** Every descriptor but 0, 1 and 2 closes on exec: the JVM opens many without O_CLOEXEC. */
    private static void closeOnExec(LibC libc) {
        List<Integer> fds = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : dir) {
                fds.add(Integer.parseInt(p.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            return;
        }
        for (int fd : fds) {
            if (fd > 2) {
                try {
                    libc.fcntl(fd, F_SETFD, FD_CLOEXEC);
                } catch (LastErrorException e) {
                    // the directory stream's own descriptor, closed meanwhile
                }
            }
        }
    }

    private static int lastCap() {
        try {
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return 63;
        }
    }

    private static void flushStandardStreams() {
        System.out.flush();
        System.err.flush();
    }
}
