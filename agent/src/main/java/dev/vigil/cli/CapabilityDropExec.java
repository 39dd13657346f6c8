package dev.vigil.cli;

import com.sun.jna.LastErrorException;
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
 * inherits that. The pid, stdin/stdout/stderr, children (the sensor) and the write end of the
 * sensor's stdin ({@link SensorStopPipe}) stay; every other descriptor is closed on exec. Before the exec the thread also becomes {@code process.user}
 * ({@link UnprivilegedUser}): without capabilities, uid 0 would still own every root-owned file.
 *
 * <p>The new JVM sees {@link #DONE_ENV} set, so it never loops; a failure on the way is logged and
 * the caller goes on with the in-process hardening of {@link ProcessHardening}.
 */
final class CapabilityDropExec {
    /** Set in the environment of the exec'd agent. */
    static final String DONE_ENV = "VIGIL_CAPABILITIES_DROPPED";
    /** The pid of a sensor started before the exec, for the new JVM to adopt. */
    static final String SENSOR_PID_ENV = "VIGIL_SENSOR_PID";
    /** The file the sensor's stderr goes to, for the new JVM to follow. */
    static final String SENSOR_LOG_ENV = "VIGIL_SENSOR_LOG";
    /** The write end of the sensor's stdin ({@link SensorStopPipe}), a descriptor the exec keeps open. */
    static final String SENSOR_STOP_FD_ENV = "VIGIL_SENSOR_STOP_FD";

    private CapabilityDropExec() {
    }

    /** Whether this process should re-run itself: it holds a capability and has not done so yet. */
    static boolean wanted(Map<String, String> env) {
        return env.get(DONE_ENV) == null && LinuxCalls.statusHex(Path.of("/proc/thread-self/status"), "CapPrm:") != 0;
    }

    /**
     * Drops the capabilities and execs; returns only on failure, with the reason (the process then
     * still holds its capabilities in the threads started before, and the caller hardens in process).
     *
     * @param sensor    a child to hand over to the new JVM (its pid, the file its stderr goes to, the
     *                  write end of its stdin), or null
     * @param user      the user to become (groups, gid, then uid: after the bounding set, which needs
     *                  CAP_SETPCAP, and before the exec), or null to stay uid 0
     */
    static String exec(Logger log, SensorProcess sensor, UnprivilegedUser user) {
        long sensorPid = sensor == null ? -1 : sensor.pid();
        Path sensorLog = sensor == null ? null : sensor.stderrLog();
        SensorStopPipe stop = sensor == null ? null : sensor.stopPipe();
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
        if (sensorPid > 0 && sensorLog != null) {
            env.put(SENSOR_LOG_ENV, sensorLog.toString());
        } else {
            env.remove(SENSOR_LOG_ENV);
        }
        if (sensorPid > 0 && stop != null) {
            env.put(SENSOR_STOP_FD_ENV, Integer.toString(stop.writeFd()));
        } else {
            env.remove(SENSOR_STOP_FD_ENV);
        }
        String[] envp = env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
        String exe;
        try {
            exe = Files.readSymbolicLink(Path.of("/proc/self/exe")).toString();
        } catch (IOException e) {
            return "cannot read /proc/self/exe: " + e.getMessage();
        }
        LinuxCalls.LibC libc;
        try {
            libc = LinuxCalls.libc();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            return "libc not available through JNA: " + e.getMessage();
        }
        try {
            closeOnExec(libc);
            if (stop != null) {
                stop.keepAcrossExec(); // the one descriptor (beside 0, 1, 2) the new JVM keeps: the sensor's stop
            }
            LinuxCalls.dropBoundingSet(libc);
            libc.prctl(LinuxCalls.PR_CAP_AMBIENT, LinuxCalls.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
            if (user != null && user.switches()) {
                // Without capabilities uid 0 still owns every root-owned file (issue 16, finding 6).
                // Groups and gid first: changing them needs CAP_SETGID, which the uid change takes away.
                int[] groups = user.groups();
                libc.setgroups(groups.length, groups.length == 0 ? null : groups);
                libc.setresgid(user.gid(), user.gid(), user.gid());
                libc.setresuid(user.uid(), user.uid(), user.uid());
            }
            LinuxCalls.clearThreadCapabilities(libc);
            libc.prctl(LinuxCalls.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        } catch (LastErrorException e) {
            // The bounding set may be left half dropped: harmless, the in-process hardening drops the rest.
            return "dropping capabilities before exec failed: errno " + e.getErrorCode();
        }
        log.info("process hardening: capabilities dropped from the bounding, ambient and inheritable sets{}; "
            + "re-executing {} without any capability (pid {} stays{})",
            user != null && user.switches() ? ", now " + user.name() + " (uid " + user.uid() + ", gid " + user.gid()
                + ", groups " + java.util.Arrays.toString(user.groups()) + ")" : "", exe, ProcessHandle.current().pid(),
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
    private static void closeOnExec(LinuxCalls.LibC libc) {
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
                    libc.fcntl(fd, LinuxCalls.F_SETFD, LinuxCalls.FD_CLOEXEC);
                } catch (LastErrorException e) {
                    // the directory stream's own descriptor, closed meanwhile
                }
            }
        }
    }

    private static void flushStandardStreams() {
        System.out.flush();
        System.err.flush();
    }
}
