package dev.vigil.bench.load;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A process's CPU time (user + system, all threads) from {@code /proc/PID/stat}, since this was made. */
final class AgentCpu {
    private final Path stat;
    private final long clockTicks;
    private final long startTicks;

    AgentCpu(long pid, long clockTicks) {
        this.stat = Path.of("/proc", Long.toString(pid), "stat");
        this.clockTicks = clockTicks;
        this.startTicks = ticks();
    }

    /** CPU seconds the process used since construction. */
    double secondsSinceStart() {
        return (double) (ticks() - startTicks) / clockTicks;
    }

    private long ticks() {
        try {
            return utimePlusStime(Files.readString(stat));
        } catch (IOException e) {
            throw new UncheckedIOException("load-generator: cannot read " + stat, e);
        }
    }

    /** Fields 14 and 15 of a stat line; the command (field 2) may hold spaces and parentheses. */
    static long utimePlusStime(String statLine) {
        String[] f = statLine.substring(statLine.lastIndexOf(')') + 2).trim().split(" ");
        // f[0] is field 3 (state): utime is field 14, stime 15
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }
}
