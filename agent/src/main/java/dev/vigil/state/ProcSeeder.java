package dev.vigil.state;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fills the process table from every process under the proc root, once, before events flow (not
 * rate-limited), so that the processes already running when the agent starts are known by name,
 * capabilities and container.
 *
 * <p>Threading: the thread that builds the pipeline, before it starts.
 */
final class ProcSeeder {
    private final ProcLoader loader;
    private final ProcessTable processes;

    ProcSeeder(ProcLoader loader, ProcessTable processes) {
        this.loader = loader;
        this.processes = processes;
    }

    /** Reads every /proc/PID into the table (up to its capacity); returns the number read. */
    int seed() {
        ProcReader reader = loader.reader();
        int n = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(reader.procRoot())) {
            for (Path dir : dirs) {
                int pid = parsePid(dir.getFileName().toString());
                if (pid <= 0 || n >= processes.capacity()) {
                    continue;
                }
                if (reader.read(pid) == ProcReader.Result.OK) {
                    int e = processes.insert(pid);
                    loader.apply(e, reader.snapshot());
                    n++;
                }
            }
        } catch (IOException | RuntimeException e) {
            // an unreadable proc root leaves the table empty: events then fill it
        }
        return n;
    }

    private static int parsePid(String s) {
        if (s.isEmpty() || s.length() > 9) {
            return -1;
        }
        int v = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
