package dev.vigil.cli;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The few libc calls the agent makes about its own privileges, signals and the sensor's stop pipe
 * (through JNA), with their constants and the /proc reads that check them. One place for what
 * {@link ProcessHardening}, {@link CapabilityDropExec}, {@link SensorStopPipe} and {@link HangupSignal} share.
 */
final class LinuxCalls {
    static final int PR_CAPBSET_READ = 23;
    static final int PR_CAPBSET_DROP = 24;
    static final int PR_SET_NO_NEW_PRIVS = 38;
    static final int PR_CAP_AMBIENT = 47;
    static final int PR_CAP_AMBIENT_CLEAR_ALL = 4;
    static final int F_SETFD = 2;
    static final int FD_CLOEXEC = 1;
    static final int O_CLOEXEC = 02000000;
    static final int SIGHUP = 1;
    private static final int LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    interface LibC extends Library {
        int prctl(int option, long arg2, long arg3, long arg4, long arg5) throws LastErrorException;

        int capset(Pointer header, Pointer data) throws LastErrorException;

        long syscall(long number, Object... args) throws LastErrorException;

        int fcntl(int fd, int cmd, int arg) throws LastErrorException;

        /** {@code fds[0]} the read end, {@code fds[1]} the write end. */
        int pipe2(int[] fds, int flags) throws LastErrorException;

        int close(int fd) throws LastErrorException;

        /** JNA passes each String[] as a NULL-terminated char*[]. */
        int execve(String path, String[] argv, String[] envp) throws LastErrorException;

        /** glibc's, which applies to every thread of the process (its setxid broadcast). */
        int setgroups(long size, int[] list) throws LastErrorException;

        int setresgid(int rgid, int egid, int sgid) throws LastErrorException;

        int setresuid(int ruid, int euid, int suid) throws LastErrorException;

        /** {@code signal(2)}; a null handler is SIG_DFL. */
        Pointer signal(int signum, Pointer handler) throws LastErrorException;
    }

    private LinuxCalls() {
    }

    /** libc through JNA; throws UnsatisfiedLinkError (or a RuntimeException) where it cannot load. */
    static LibC libc() {
        return Native.load("c", LibC.class);
    }

    /**
     * Drops every capability from the calling thread's bounding set (it passes to what this thread
     * execs or starts); needs CAP_SETPCAP, so before {@link #clearThreadCapabilities}. Returns how
     * many were dropped; throws at the first refusal.
     */
    static int dropBoundingSet(LibC libc) throws LastErrorException {
        int dropped = 0;
        int last = lastCap();
        for (int cap = 0; cap <= last; cap++) {
            if (libc.prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) {
                libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
                dropped++;
            }
        }
        return dropped;
    }

    /** Empties the calling thread's effective, permitted and inheritable sets ({@code capset(2)}). */
    static int clearThreadCapabilities(LibC libc) throws LastErrorException {
        Memory header = new Memory(8);
        header.setInt(0, LINUX_CAPABILITY_VERSION_3);
        header.setInt(4, 0); // this thread
        Memory data = new Memory(24); // two __user_cap_data_struct {effective, permitted, inheritable}
        data.clear();
        return libc.capset(header, data);
    }

    /** The highest capability number this kernel knows. */
    static int lastCap() {
        try {
            // readAllLines, not readString: on JDK 17 readString of this procfs file returned "4" for "40".
            return Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/kernel/cap_last_cap")).get(0).trim());
        } catch (IOException | RuntimeException e) {
            return 63;
        }
    }

    /** A hexadecimal line of a /proc status file (CapEff:, SigIgn:, …); 0 if absent or unreadable. */
    static long statusHex(Path status, String key) {
        try {
            for (String line : Files.readAllLines(status)) {
                if (line.startsWith(key)) {
                    return Long.parseUnsignedLong(line.substring(key.length()).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the thread ended meanwhile, or no such line
        }
        return 0;
    }
}
