package dev.vigil.cli;

import com.sun.jna.LastErrorException;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pipe that stops the sensor the agent started (issue 16, finding 6). The sensor runs with
 * {@code --stop-on-stdin-eof} and the read end as its stdin; the agent holds the write end as a raw
 * descriptor, which survives its exec ({@link CapabilityDropExec}). Closing it is the orderly stop;
 * the kernel closes it however the agent ends (SIGKILL, the OOM killer), so the sensor never
 * outlives it. No signal is needed: once the agent is {@code process.user} it may not signal a
 * sensor that runs as uid 0, and a sensor made signalable (a real uid of the agent's) would lose its
 * parent-death signal at exec.
 *
 * <p>Threading: used by the thread that starts and stops the sensor.
 */
final class SensorStopPipe implements AutoCloseable {
    private final LinuxCalls.LibC libc;
    private int readFd;
    private int writeFd;

    private SensorStopPipe(LinuxCalls.LibC libc, int readFd, int writeFd) {
        this.libc = libc;
        this.readFd = readFd;
        this.writeFd = writeFd;
    }

    /** A new pipe, both ends close-on-exec (no child but the sensor gets an end, and that by its stdin). */
    static SensorStopPipe open() throws IOException {
        LinuxCalls.LibC libc;
        try {
            libc = LinuxCalls.libc();
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            throw new IOException("libc not available through JNA: " + e.getMessage(), e);
        }
        int[] fds = new int[2];
        try {
            libc.pipe2(fds, LinuxCalls.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new IOException("pipe2 failed: errno " + e.getErrorCode(), e);
        }
        return new SensorStopPipe(libc, fds[0], fds[1]);
    }

    /**
     * The write end a previous image of this process handed over ({@code fd}, from the environment),
     * or null when it is not a descriptor of ours open for writing to a pipe (never someone else's
     * descriptor closed by mistake). It is made close-on-exec again.
     */
    static SensorStopPipe adopt(String fd) {
        if (fd == null || !fd.matches("[0-9]{1,9}")) {
            return null;
        }
        int n = Integer.parseInt(fd);
        try {
            if (!Files.readSymbolicLink(Path.of("/proc/self/fd/" + n)).toString().startsWith("pipe:")
                || !writeOnly(Files.readAllLines(Path.of("/proc/self/fdinfo/" + n)))) {
                return null;
            }
            LinuxCalls.LibC libc = LinuxCalls.libc();
            libc.fcntl(n, LinuxCalls.F_SETFD, LinuxCalls.FD_CLOEXEC);
            return new SensorStopPipe(libc, -1, n);
        } catch (IOException | LastErrorException | UnsatisfiedLinkError e) {
            return null;
        }
    }

    /** Whether an fdinfo's {@code flags:} (octal) say O_WRONLY. */
    static boolean writeOnly(Iterable<String> fdinfo) {
        for (String line : fdinfo) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & 3) == 1;
            }
        }
        return false;
    }

    /** The read end by name, for {@code ProcessBuilder.redirectInput}: opening it gives the same pipe. */
    File readEnd() {
        return new File("/proc/self/fd/" + readFd);
    }

    /** Once the sensor has its stdin: from then on only the sensor holds the read end. */
    void closeReadEnd() {
        if (readFd >= 0) {
            closeQuietly(readFd);
            readFd = -1;
        }
    }

    int writeFd() {
        return writeFd;
    }

    /** Lets the write end pass the agent's exec (it is close-on-exec until then). */
    void keepAcrossExec() throws LastErrorException {
        if (writeFd >= 0) {
            libc.fcntl(writeFd, LinuxCalls.F_SETFD, 0);
        }
    }

    /** Closes what is still open: for the sensor, the end of its stdin (the stop). */
    @Override
    public void close() {
        closeReadEnd();
        if (writeFd >= 0) {
            closeQuietly(writeFd);
            writeFd = -1;
        }
    }

    private void closeQuietly(int fd) {
        try {
            libc.close(fd);
        } catch (LastErrorException e) {
            // EBADF: nothing left to close
        }
    }
}
