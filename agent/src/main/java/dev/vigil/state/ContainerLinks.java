package dev.vigil.state;

import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.Field;

/**
 * Which container each process is in: moves process entries between container entries, keeping each
 * container's live count, creates container entries (with their short id text) as processes are met
 * in them, learns a container's pids cgroup directory (and from it {@code pids.max}), and hears every
 * departure from the process table. A container the runtime deleted leaves with its last process.
 *
 * <p>Threading: pipeline thread only (and the seeding before it). Allocates only when a container
 * entry is created (its id text).
 */
final class ContainerLinks implements ProcessTable.Departure {
    private final ContainerTable containers;
    private ProcessTable processes;
    private StateMetrics metrics;

    /** The current event's (or poll's) monotonic time. */
    long nowNanos;

    ContainerLinks(ContainerTable containers) {
        this.containers = containers;
    }

    /** The process table (built with this as its departure callback) and the meters (built on both tables). */
    void bind(ProcessTable processes, StateMetrics metrics) {
        this.processes = processes;
        this.metrics = metrics;
    }

    /** The table key of the event's container.id: HOST_KEY for host, CONTAINER_UNKNOWN for other non-ids. */
    static long eventContainerKey(Event ev) {
        int off = ev.textStart(Field.CONTAINER_ID);
        int len = ev.textLength(Field.CONTAINER_ID);
        long key = ContainerIds.key(ev.text(), off, Math.min(len, ContainerIds.SHORT_LENGTH));
        if (len == 0 || key == ContainerIds.HOST_KEY && Chars.equals(ev.text(), off, len, ContainerIds.HOST)) {
            return ContainerIds.HOST_KEY;
        }
        return key == ContainerIds.HOST_KEY ? ProcessTable.CONTAINER_UNKNOWN : key;
    }

    /**
     * The short id text of a container met as the UTF-8 bytes {@code a[off, off+len)} (a wire container.id)
     * with key {@code key}: 12 lower-case hex digits for a hex id, else the first 12 characters of the name
     * (a name's key is made of ASCII characters only). Allocates: call only when creating an entry.
     */
    static String shortIdText(long key, byte[] a, int off, int len) {
        if (key >= 0 && !ContainerIds.isNamed(key)) {
            return ContainerIds.shortId(key);
        }
        return dev.vigil.event.Utf8.string(a, off, Math.min(len, ContainerIds.SHORT_LENGTH));
    }

    /**
     * As {@link #shortIdText(long, byte[], int, int)}, of a runtime's id.
     */
    static String shortIdText(long key, char[] a, int off, int len) {
        if (key >= 0 && !ContainerIds.isNamed(key)) {
            return ContainerIds.shortId(key);
        }
        return new String(a, off, Math.min(len, ContainerIds.SHORT_LENGTH));
    }

    static String shortIdText(long key, String id) {
        char[] a = id.toCharArray();
        return shortIdText(key, a, 0, a.length);
    }

    /**
     * Moves an entry to a container, keeping the containers' live counts. {@code idText} names the
     * container if its entry must be created (null: derived from a hex key).
     */
    void setContainer(int e, long key, String pidsCgroupDir, String idText) {
        long old = processes.containerKey[e];
        if (old == key) {
            if (key >= 0 && pidsCgroupDir != null) {
                int c = containers.find(key);
                if (c >= 0 && noDir(c)) {
                    learnCgroupDir(c, pidsCgroupDir);
                }
            }
            return;
        }
        if (old >= 0) {
            int c = containers.find(old);
            if (c >= 0) {
                containers.live[c]--;
                leaveIfDeleted(c);
            }
        }
        processes.containerKey[e] = key;
        if (key >= 0) {
            processes.beenInContainer[e] = true;
            int c = containerFor(key, pidsCgroupDir, idText);
            containers.live[c]++;
        }
    }

    /** The entry of a container, created when missing. */
    int containerFor(long key, String pidsCgroupDir, String idText) {
        int c = containers.find(key);
        if (c < 0) {
            String text = idText != null ? idText : key >= 0 && !ContainerIds.isNamed(key) ? ContainerIds.shortId(key) : null;
            c = containers.insert(key, text, nowNanos);
        }
        if (pidsCgroupDir != null && noDir(c)) {
            learnCgroupDir(c, pidsCgroupDir);
        }
        return c;
    }

    /**
     * The container entry of a process entry, or -1 when it is in none; one evicted from the
     * container table while the process lived is brought back.
     */
    int containerOf(int e) {
        long key = processes.containerKey[e];
        if (key < 0) {
            return -1;
        }
        int c = containers.find(key);
        if (c < 0) {
            c = containerFor(key, null, null);
            containers.live[c]++;
        }
        return c;
    }

    boolean noDir(int c) {
        String d = containers.pidsCgroupDir[c];
        return d == null || d.isEmpty();
    }

    void learnCgroupDir(int c, String dir) {
        containers.pidsCgroupDir[c] = dir;
        if (!containers.limitFromEvent[c]) {
            containers.pidsLimit[c] = ProcReader.readPidsMax(dir);
        }
    }

    /** The process table's callback: an entry left (exit, reuse of its pid, or eviction). */
    @Override
    public void departed(long containerKey, boolean evicted) {
        if (containerKey >= 0) {
            int c = containers.find(containerKey);
            if (c >= 0) {
                containers.live[c]--;
                containers.lastSeenNanos[c] = nowNanos;
                leaveIfDeleted(c);
            }
        }
        if (evicted) {
            metrics.processEvicted();
        }
    }

    private void leaveIfDeleted(int c) {
        if (containers.deleted[c] && containers.live[c] <= 0) {
            containers.remove(c);
        }
    }
}
