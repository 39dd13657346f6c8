package dev.vigil.state;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The state stage: keeps the process and container tables from the events, and fills each event's
 * process and container fields from them, so that thin events (only {@code evt.type}, {@code proc.pid}
 * and arguments) can be matched by rules that name {@code proc.name} or {@code container.id}.
 *
 * <p>Per event: the entry of {@code proc.pid} is found, or created and filled from
 * {@code /proc/PID/{status,cgroup,cmdline}} (at most {@link StateConfig#procReadsPerSecond()} reads a
 * second; pids found gone are remembered for {@link #NEGATIVE_TTL_NANOS}); the fields the producer
 * sent update the entry and win over it; the fields it did not send are filled from it
 * ({@code proc.name, proc.exepath, proc.cmdline, proc.ppid, proc.pname, user.uid,
 * thread.cap_effective/_permitted/_inheritable, container.id, container.pids_limit}, and
 * {@code container.privileged} when known true); the derived {@code container.live_procs} and
 * {@code container.pids_usage} (live × 100 / limit, only when the limit is > 0) are set on every event
 * of a process in a container. {@code clone/clone3/fork/vfork} with {@code evt.res > 0} (and no
 * {@code CLONE_THREAD}) create the child, inheriting the parent's fields and container;
 * {@code execve} replaces name, exe path, command line and capabilities; {@code procexit} removes the
 * entry after the event is filled.
 *
 * <p>{@link #pollPidsEvents} reads each known container's {@code pids.events} at most once a second
 * and hands a synthesized {@code pids_max_hit} event to the caller for each rise of its {@code max}
 * counter. It also forgets containers idle for {@link #CONTAINER_IDLE_NANOS}.
 *
 * <p>Threading: pipeline thread only (both {@link #enrich} and {@link #pollPidsEvents});
 * {@link #seedFromProc} before the pipeline starts. Steady-state {@link #enrich} allocates nothing.
 */
public final class StateEnricher implements Enricher {
    /** The evt.type of the events {@link #pollPidsEvents} synthesizes. */
    public static final String PIDS_MAX_HIT = "pids_max_hit";
    /** On a pids_max_hit event: forks refused at pids.max since the previous poll. */
    public static final String ARG_COUNT = "evt.arg.count";
    /** pids.events is read at most this often. */
    public static final long POLL_INTERVAL_NANOS = 1_000_000_000L;
    /** A container with no live process for this long is forgotten at the next poll. */
    public static final long CONTAINER_IDLE_NANOS = 60_000_000_000L;
    /** A pid found gone from /proc is not looked up again for this long (unless a clone creates it). */
    public static final long NEGATIVE_TTL_NANOS = 10_000_000_000L;
    /** Bit of CLONE_THREAD in clone's flags: the child is a thread of the caller, not a process. */
    private static final long CLONE_THREAD = 0x10000L;
    private static final String ARG_FLAGS = "evt.arg.flags";
    private static final int PIDS_MAX_HIT_TYPE = EventTypes.id(PIDS_MAX_HIT);

    private final Clock clock;
    private final ProcReader reader;
    private final ProcessTable processes;
    private final ContainerTable containers;
    private final StateMetrics metrics;
    private final TextInterner names = new TextInterner(4096, 64);
    private final TextInterner paths = new TextInterner(8192, ProcReader.MAX_CMDLINE_CHARS);
    private final NegativePidCache vanished = new NegativePidCache(4096, NEGATIVE_TTL_NANOS);
    private final ProcReadBudget budget;
    private final long fullCapSet;
    private final char[] scratch = new char[24];

    /** The current event's monotonic time, for the table callbacks. */
    private long nowNanos;
    private long lastPollNanos = Long.MIN_VALUE;

    public StateEnricher(StateConfig config, MeterRegistry registry, Clock clock) {
        this.clock = clock;
        this.reader = new ProcReader(config.procRoot(), config.cgroupRoot());
        this.containers = new ContainerTable(config.maxContainers());
        this.processes = new ProcessTable(config.maxProcesses(), this::departed);
        this.metrics = new StateMetrics(registry, processes, containers);
        this.budget = new ProcReadBudget(config.procReadsPerSecond());
        this.fullCapSet = reader.fullCapabilitySet(Capabilities.FULL_SET);
    }

    /**
     * Fills the process table from every process under the proc root (not rate-limited). Call once,
     * before events flow. Returns the number of processes read.
     */
    public int seedFromProc() {
        nowNanos = clock.monotonicTime();
        int n = 0;
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(reader.procRoot())) {
            for (Path dir : dirs) {
                int pid = parsePid(dir.getFileName().toString());
                if (pid <= 0 || n >= processes.capacity()) {
                    continue;
                }
                if (reader.read(pid) == ProcReader.Result.OK) {
                    int e = processes.insert(pid);
                    apply(e, reader.snapshot());
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

    @Override
    public void enrich(Event ev) {
        if (!ev.isValid()) {
            return;
        }
        nowNanos = clock.monotonicTime();
        if (!ev.has(Field.PROC_PID)) {
            fillFromEventContainer(ev);
            return;
        }
        int pid = (int) ev.getLong(Field.PROC_PID);
        int type = ev.eventType();
        boolean exit = type == EventTypes.PROCEXIT;
        int e = processes.find(pid);
        if (e < 0) {
            if (exit) {
                fillFromEventContainer(ev); // already gone: nothing to learn
                return;
            }
            e = processes.insert(pid);
            if (!(ev.has(Field.PROC_NAME) && ev.has(Field.CONTAINER_ID))) {
                loadFromProc(e, pid); // a thin event: what the producer did not send comes from /proc
            }
        } else {
            processes.touch(e);
            if (processes.procPending[e]) {
                loadFromProc(e, pid);
            }
        }
        learn(e, ev, type);
        fill(e, ev);
        if ((type == EventTypes.CLONE || type == EventTypes.CLONE3 || type == EventTypes.FORK
            || type == EventTypes.VFORK) && ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) > 0
            && !createsThread(ev)) {
            addChild(e, (int) ev.getLong(Field.EVT_RES)); // before the count, so that it includes the child
        }
        int c = containerOfEntry(e, pid);
        if (c >= 0) {
            updateAndFillContainer(c, e, ev);
        }
        if (exit) {
            processes.remove(e);
        }
    }

    // ---- table updates ----

    private void loadFromProc(int e, int pid) {
        processes.procPending[e] = false;
        if (vanished.contains(pid, nowNanos)) {
            return;
        }
        if (!budget.tryAcquire(nowNanos)) {
            processes.procPending[e] = true;
            metrics.procReadLimited();
            return;
        }
        ProcReader.Result r = reader.read(pid);
        metrics.procRead(r);
        if (r == ProcReader.Result.OK) {
            apply(e, reader.snapshot());
        } else if (r == ProcReader.Result.VANISHED) {
            vanished.add(pid, nowNanos);
        }
    }

    private void apply(int e, ProcSnapshot s) {
        ProcessTable t = processes;
        t.ppid[e] = s.ppid;
        t.uid[e] = s.uid;
        t.capEffective[e] = s.capEffective;
        t.capPermitted[e] = s.capPermitted;
        t.capInheritable[e] = s.capInheritable;
        t.capsKnown[e] = 7;
        t.capsFromProc[e] = true;
        t.name[e] = names.intern(s.name);
        t.exepath[e] = paths.intern(s.exepath);
        t.cmdline[e] = paths.intern(s.cmdline);
        long key = ContainerIds.HOST.equals(s.containerId) ? ContainerIds.HOST_KEY : ContainerIds.key(s.containerId);
        setContainer(e, key, s.pidsCgroupDir);
    }

    /** The producer's fields into the entry: text fields at execve or when unknown, the rest always. */
    private void learn(int e, Event ev, int type) {
        ProcessTable t = processes;
        boolean exec = type == EventTypes.EXECVE && !(ev.has(Field.EVT_RES) && ev.getLong(Field.EVT_RES) < 0);
        char[] a = ev.chars();
        if (ev.has(Field.PROC_NAME) && (exec || t.name[e] == null)) {
            t.name[e] = names.intern(a, ev.textStart(Field.PROC_NAME), ev.textLength(Field.PROC_NAME));
        }
        if (ev.has(Field.PROC_EXEPATH) && (exec || t.exepath[e] == null)) {
            t.exepath[e] = paths.intern(a, ev.textStart(Field.PROC_EXEPATH), ev.textLength(Field.PROC_EXEPATH));
        }
        if (ev.has(Field.PROC_CMDLINE) && (exec || t.cmdline[e] == null)) {
            t.cmdline[e] = paths.intern(a, ev.textStart(Field.PROC_CMDLINE), ev.textLength(Field.PROC_CMDLINE));
        } else if (exec) {
            t.cmdline[e] = null; // the old program's command line is not the new one's: unknown beats wrong
        }
        if (ev.has(Field.PROC_PPID)) {
            t.ppid[e] = (int) ev.getLong(Field.PROC_PPID);
        }
        if (ev.has(Field.USER_UID)) {
            t.uid[e] = ev.getLong(Field.USER_UID);
        }
        if (ev.has(Field.THREAD_CAP_EFFECTIVE)) {
            t.capEffective[e] = ev.getLong(Field.THREAD_CAP_EFFECTIVE);
            t.capsKnown[e] |= 1;
            t.capsFromProc[e] = false;
        }
        if (ev.has(Field.THREAD_CAP_PERMITTED)) {
            t.capPermitted[e] = ev.getLong(Field.THREAD_CAP_PERMITTED);
            t.capsKnown[e] |= 2;
        }
        if (ev.has(Field.THREAD_CAP_INHERITABLE)) {
            t.capInheritable[e] = ev.getLong(Field.THREAD_CAP_INHERITABLE);
            t.capsKnown[e] |= 4;
        }
        if (ev.has(Field.CONTAINER_ID)) {
            long key = eventContainerKey(ev);
            if (key != ProcessTable.CONTAINER_UNKNOWN && key != t.containerKey[e]) {
                setContainer(e, key, null);
            }
        }
    }

    /** The table key of the event's container.id: HOST_KEY for host, CONTAINER_UNKNOWN for other non-ids. */
    private static long eventContainerKey(Event ev) {
        int off = ev.textStart(Field.CONTAINER_ID);
        int len = ev.textLength(Field.CONTAINER_ID);
        char[] a = ev.chars();
        if (Chars.equals(a, off, len, ContainerIds.HOST) || len == 0) {
            return ContainerIds.HOST_KEY;
        }
        long key = ContainerIds.key(a, off, len);
        return key == ContainerIds.HOST_KEY ? ProcessTable.CONTAINER_UNKNOWN : key;
    }

    /** Moves an entry to a container, keeping the containers' live counts. */
    private void setContainer(int e, long key, String pidsCgroupDir) {
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
            }
        }
        processes.containerKey[e] = key;
        if (key >= 0) {
            int c = containerFor(key, pidsCgroupDir);
            containers.live[c]++;
        }
    }

    private int containerFor(long key, String pidsCgroupDir) {
        int c = containers.find(key);
        if (c < 0) {
            c = containers.insert(key, nowNanos);
        }
        if (pidsCgroupDir != null && noDir(c)) {
            learnCgroupDir(c, pidsCgroupDir);
        }
        return c;
    }

    private boolean noDir(int c) {
        String d = containers.pidsCgroupDir[c];
        return d == null || d.isEmpty();
    }

    private void learnCgroupDir(int c, String dir) {
        containers.pidsCgroupDir[c] = dir;
        if (!containers.limitFromEvent[c]) {
            containers.pidsLimit[c] = ProcReader.readPidsMax(dir);
        }
    }

    /** The process table's callback: an entry left (exit, reuse of its pid, or eviction). */
    private void departed(long containerKey, boolean evicted) {
        if (containerKey >= 0) {
            int c = containers.find(containerKey);
            if (c >= 0) {
                containers.live[c]--;
                containers.lastSeenNanos[c] = nowNanos;
            }
        }
        if (evicted) {
            metrics.processEvicted();
        }
    }

    private void addChild(int parent, int childPid) {
        if (childPid == processes.pid[parent]) {
            return;
        }
        vanished.forget(childPid);
        int child = processes.insert(childPid);
        long key = processes.containerKey[parent];
        processes.inherit(child, parent);
        processes.containerKey[child] = ProcessTable.CONTAINER_UNKNOWN;
        setContainer(child, key, null);
    }

    private static boolean createsThread(Event ev) {
        int i = ev.findExtra(ARG_FLAGS);
        if (i < 0) {
            return false;
        }
        long n = ev.extraLong(i);
        if (n != Chars.NOT_A_NUMBER) {
            return (n & CLONE_THREAD) != 0;
        }
        char[] a = ev.chars();
        int start = ev.extraStart(i);
        int end = start + ev.extraLength(i);
        // Falco renders flags as NAME|NAME|…
        int from = start;
        for (int j = start; j <= end; j++) {
            if (j == end || a[j] == '|' || a[j] == ' ') {
                if (Chars.equals(a, from, j - from, "CLONE_THREAD")) {
                    return true;
                }
                from = j + 1;
            }
        }
        return false;
    }

    // ---- filling the event ----

    private void fill(int e, Event ev) {
        ProcessTable t = processes;
        setTextIfAbsent(ev, Field.PROC_NAME, t.name[e]);
        setTextIfAbsent(ev, Field.PROC_EXEPATH, t.exepath[e]);
        setTextIfAbsent(ev, Field.PROC_CMDLINE, t.cmdline[e]);
        int ppid = t.ppid[e];
        if (ppid > 0) {
            if (!ev.has(Field.PROC_PPID)) {
                ev.setLong(Field.PROC_PPID, ppid);
            }
            if (!ev.has(Field.PROC_PNAME)) {
                int pe = t.find(ppid);
                if (pe >= 0) {
                    setTextIfAbsent(ev, Field.PROC_PNAME, t.name[pe]);
                }
            }
        }
        if (!ev.has(Field.USER_UID) && t.uid[e] >= 0) {
            ev.setLong(Field.USER_UID, t.uid[e]);
        }
        byte known = t.capsKnown[e];
        if ((known & 1) != 0 && !ev.has(Field.THREAD_CAP_EFFECTIVE)) {
            ev.setLong(Field.THREAD_CAP_EFFECTIVE, t.capEffective[e]);
        }
        if ((known & 2) != 0 && !ev.has(Field.THREAD_CAP_PERMITTED)) {
            ev.setLong(Field.THREAD_CAP_PERMITTED, t.capPermitted[e]);
        }
        if ((known & 4) != 0 && !ev.has(Field.THREAD_CAP_INHERITABLE)) {
            ev.setLong(Field.THREAD_CAP_INHERITABLE, t.capInheritable[e]);
        }
        if (!ev.has(Field.CONTAINER_ID)) {
            long key = t.containerKey[e];
            if (key >= 0) {
                // a named key cannot be written back: the field stays unknown rather than wrong
                if (ContainerIds.writeShortId(key, scratch, 0)) {
                    ev.setText(Field.CONTAINER_ID, scratch, 0, ContainerIds.SHORT_LENGTH);
                }
            } else if (key == ContainerIds.HOST_KEY) {
                ev.setText(Field.CONTAINER_ID, ContainerIds.HOST);
            }
        }
    }

    private static void setTextIfAbsent(Event ev, Field f, String s) {
        if (s != null && !ev.has(f)) {
            ev.setText(f, s);
        }
    }

    private int containerOfEntry(int e, int pid) {
        long key = processes.containerKey[e];
        if (key < 0) {
            return -1;
        }
        int c = containers.find(key);
        if (c < 0) {
            // evicted from the container table while the process lived: bring it back
            c = containerFor(key, null);
            containers.live[c]++;
        }
        if (containers.pidsCgroupDir[c] == null
            && !vanished.contains(pid, nowNanos) && budget.tryAcquire(nowNanos)) {
            // learnt from an event's container.id: find its pids cgroup (for pids.max and pids.events) once
            ProcReader.Result r = reader.read(pid);
            metrics.procRead(r);
            ProcSnapshot s = reader.snapshot();
            if (r == ProcReader.Result.OK && s.pidsCgroupDir != null
                && !ContainerIds.HOST.equals(s.containerId) && ContainerIds.key(s.containerId) == key) {
                learnCgroupDir(c, s.pidsCgroupDir);
            } else {
                containers.pidsCgroupDir[c] = "";
            }
        }
        return c;
    }

    /** runc re-executes itself from a memfd (/dev/fd/N, memfd:…) while it sets a container up. */
    private static boolean isRuntimeExec(Event ev) {
        if (!ev.has(Field.PROC_EXEPATH)) {
            return false;
        }
        char[] a = ev.chars();
        int off = ev.textStart(Field.PROC_EXEPATH);
        int len = ev.textLength(Field.PROC_EXEPATH);
        return Chars.startsWith(a, off, len, "/dev/fd/") || Chars.startsWith(a, off, len, "memfd:")
            || Chars.startsWith(a, off, len, "/proc/self/");
    }


    private void updateAndFillContainer(int c, int e, Event ev) {
        ContainerTable ct = containers;
        ct.lastSeenNanos[c] = nowNanos;
        if (ev.has(Field.CONTAINER_PIDS_LIMIT)) {
            ct.pidsLimit[c] = ev.getLong(Field.CONTAINER_PIDS_LIMIT);
            ct.limitFromEvent[c] = true;
        } else if (ct.pidsLimit[c] != ProcReader.LIMIT_UNKNOWN) {
            ev.setLong(Field.CONTAINER_PIDS_LIMIT, ct.pidsLimit[c]);
        }
        if ((processes.capsKnown[e] & 1) != 0) {
            long eff = processes.capEffective[e];
            ct.capsSeen[c] |= eff;
            // Only a program the container runs tells what the container holds: one it exec'd, or one
            // found running in /proc. Before that exec the runtime's own init (runc:[2:INIT]) runs in
            // the container's cgroup with the runtime's full set, and would make every container look
            // privileged.
            boolean workload = ev.eventType() == EventTypes.EXECVE ? !isRuntimeExec(ev) : processes.capsFromProc[e];
            if ((eff & fullCapSet) == fullCapSet && workload) {
                ct.privileged[c] = true;
            }
        }
        if (ev.has(Field.CONTAINER_PRIVILEGED)) {
            if (ev.getBool(Field.CONTAINER_PRIVILEGED)) {
                ct.privileged[c] = true;
            }
        } else if (ct.privileged[c]) {
            ev.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
        int live = Math.max(0, ct.live[c]);
        ev.setLong(Field.CONTAINER_LIVE_PROCS, live);
        long limit = ct.pidsLimit[c];
        if (limit > 0) {
            ev.setLong(Field.CONTAINER_PIDS_USAGE, live * 100L / limit);
        }
    }

    /** An event with no proc.pid, or the exit of a pid never seen: derived fields from its container.id. */
    private void fillFromEventContainer(Event ev) {
        if (!ev.has(Field.CONTAINER_ID)) {
            return;
        }
        long key = eventContainerKey(ev);
        if (key < 0) {
            return;
        }
        int c = containers.find(key);
        if (c < 0) {
            return;
        }
        ContainerTable ct = containers;
        if (ev.has(Field.CONTAINER_PIDS_LIMIT)) {
            ct.pidsLimit[c] = ev.getLong(Field.CONTAINER_PIDS_LIMIT);
            ct.limitFromEvent[c] = true;
        } else if (ct.pidsLimit[c] != ProcReader.LIMIT_UNKNOWN) {
            ev.setLong(Field.CONTAINER_PIDS_LIMIT, ct.pidsLimit[c]);
        }
        int live = Math.max(0, ct.live[c]);
        ev.setLong(Field.CONTAINER_LIVE_PROCS, live);
        if (ct.pidsLimit[c] > 0) {
            ev.setLong(Field.CONTAINER_PIDS_USAGE, live * 100L / ct.pidsLimit[c]);
        }
    }

    // ---- pids.events ----

    /**
     * At most once per {@link #POLL_INTERVAL_NANOS} (returns 0 at once otherwise): reads the
     * {@code pids.events} {@code max} counter of every known container with a pids cgroup, and for
     * each whose counter rose since the previous read fills {@code slot} with a {@code pids_max_hit}
     * event ({@code evt.type}, {@code evt.rawtime}, {@code container.id}, {@code container.pids_limit}
     * when known, {@code container.live_procs}, {@code container.pids_usage}, {@code container.privileged}
     * when true, and the extra {@code evt.arg.count} = refusals since the previous read) and calls
     * {@code sink} with it; the slot is reused for the next container, so the sink must not keep it.
     * The first read of a container only records its counter. Also forgets containers with no live
     * process for {@link #CONTAINER_IDLE_NANOS}. Reads files: allocates, once a second.
     *
     * @param nowNanos monotonic time in the clock's timebase ({@code clock.monotonicTime()})
     * @return the number of events handed to the sink
     */
    public int pollPidsEvents(long nowNanos, Event slot, Consumer<Event> sink) {
        if (lastPollNanos != Long.MIN_VALUE && nowNanos - lastPollNanos < POLL_INTERVAL_NANOS) {
            return 0;
        }
        lastPollNanos = nowNanos;
        this.nowNanos = nowNanos;
        ContainerTable ct = containers;
        int hits = 0;
        for (int c = 0; c < ct.capacity(); c++) {
            if (!ct.used[c]) {
                continue;
            }
            if (ct.live[c] > 0) {
                ct.lastSeenNanos[c] = nowNanos;
            } else if (nowNanos - ct.lastSeenNanos[c] > CONTAINER_IDLE_NANOS) {
                ct.remove(c);
                continue;
            }
            String dir = ct.pidsCgroupDir[c];
            if (dir == null || dir.isEmpty()) {
                continue;
            }
            if (!ct.limitFromEvent[c] && ct.pidsLimit[c] == ProcReader.LIMIT_UNKNOWN) {
                ct.pidsLimit[c] = ProcReader.readPidsMax(dir);
            }
            long max = ProcReader.readPidsEventsMax(dir);
            if (max < 0) {
                continue;
            }
            long before = ct.eventsMax[c];
            ct.eventsMax[c] = max;
            if (before >= 0 && max > before) {
                fillPidsMaxHit(slot, c, max - before, nowNanos);
                metrics.pidsMaxHit();
                sink.accept(slot);
                hits++;
            }
        }
        return hits;
    }

    private void fillPidsMaxHit(Event slot, int c, long count, long nowNanos) {
        ContainerTable ct = containers;
        slot.clear();
        slot.setText(Field.EVT_TYPE, PIDS_MAX_HIT);
        slot.setEventType(PIDS_MAX_HIT_TYPE);
        slot.setLong(Field.EVT_RAWTIME, clock.wallTime() * 1_000_000L);
        if (ContainerIds.writeShortId(ct.key[c], scratch, 0)) { // a named key: no text to write back
            slot.setText(Field.CONTAINER_ID, scratch, 0, ContainerIds.SHORT_LENGTH);
        }
        long limit = ct.pidsLimit[c];
        if (limit != ProcReader.LIMIT_UNKNOWN) {
            slot.setLong(Field.CONTAINER_PIDS_LIMIT, limit);
        }
        int live = Math.max(0, ct.live[c]);
        slot.setLong(Field.CONTAINER_LIVE_PROCS, live);
        if (limit > 0) {
            slot.setLong(Field.CONTAINER_PIDS_USAGE, live * 100L / limit);
        }
        if (ct.privileged[c]) {
            slot.setBool(Field.CONTAINER_PRIVILEGED, true);
        }
        int len = writeDecimal(count, scratch);
        slot.addExtra(ARG_COUNT, scratch, 0, len, count);
        slot.setReceiveNanos(nowNanos);
        slot.setValid(true);
    }

    private static int writeDecimal(long v, char[] out) {
        int n = 0;
        long x = v;
        do {
            n++;
            x /= 10;
        } while (x > 0);
        for (int i = n - 1; i >= 0; i--) {
            out[i] = (char) ('0' + (v % 10));
            v /= 10;
        }
        return n;
    }

    // ---- views for tests, posture and metrics ----

    /** Processes in the table. */
    public int processCount() {
        return processes.size();
    }

    /** Containers in the table. */
    public int containerCount() {
        return containers.size();
    }

    /** The full capability set of this kernel (from cap_last_cap under the proc root). */
    public long fullCapabilitySet() {
        return fullCapSet;
    }
}
