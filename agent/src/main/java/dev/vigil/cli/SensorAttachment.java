package dev.vigil.cli;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Reads the sensor's stderr, line by line, for what became of it: attached (its line "running, N
 * programs attached" after one "attached SECTION" per program), or exited before that, with its last
 * words. Gives the agent's log line; never a "started" before the sensor has attached.
 *
 * <p>Threading: one thread (the one following the sensor's output).
 */
final class SensorAttachment {
    private static final String PREFIX = "vigil-sensor: ";
    private static final String ATTACHED = PREFIX + "attached ";
    private static final String RUNNING = PREFIX + "running, ";
    /** Lines kept to explain an early exit. */
    static final int LAST_LINES = 3;

    private final long pid;
    private final List<String> attached = new ArrayList<>();
    private final Deque<String> last = new ArrayDeque<>();

    SensorAttachment(long pid) {
        this.pid = pid;
    }

    /** Takes one line of the sensor's stderr; returns the log line once the sensor runs, else null. */
    String onLine(String line) {
        if (line.startsWith(ATTACHED)) {
            attached.add(line.substring(ATTACHED.length()).strip());
            return null;
        }
        if (line.startsWith(RUNNING)) {
            return "started the sensor (pid " + pid + "), attached: "
                + (attached.isEmpty() ? line.substring(RUNNING.length()).strip() : String.join(", ", attached));
        }
        if (!line.isBlank()) {
            if (last.size() == LAST_LINES) {
                last.removeFirst();
            }
            last.addLast(line.strip());
        }
        return null;
    }

    /** The log line when the sensor exited without reaching its "running" line. */
    String onExit() {
        return "sensor not started: it exited before attaching (pid " + pid + (last.isEmpty() ? ", no output"
            : ": " + String.join(" | ", last)) + ")";
    }
}
