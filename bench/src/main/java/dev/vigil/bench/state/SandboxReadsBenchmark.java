package dev.vigil.bench.state;

import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of reading each container's sandbox (issue 17), on the churniest stream the state stage can
 * see: every op is one container's whole life, {@value #EVENTS_PER_CONTAINER} events with fresh pids —
 * runc's start (the shim's clone, runc, its init entering the container, the hand-over exec), the
 * workload forking {@value #CHILDREN} short-lived children (clone, execve, socket, exit) and its exit,
 * after which the container leaves the table. Once per op the answers are drained, as the pipeline does
 * between batches. {@code posture}:
 * <ul>
 * <li>{@code off}: {@code posture.reads: false}, the baseline;</li>
 * <li>{@code on}: the agent's default, reads within {@code state.procReadsPerSecond} (500/s) on one
 *     {@code vigil-sandbox} thread: at this rate of container starts nearly all are refused by the
 *     budget and asked again at the workload's next event, so this is the ask path's cost;</li>
 * <li>{@code on-unlimited}: no budget: every container start asks (in flight at most 256), the reading
 *     thread busy on the other core — the worst case;</li>
 * <li>{@code on-noread}: as {@code on}, but the executor drops the reads (none runs, none answers; past
 *     256 in flight every ask is refused): the pipeline thread's own share of {@code on}, without the
 *     reading thread competing for the cores.</li>
 * </ul>
 * The /proc the reads see is a fixture tree (a workload's {@code status}, {@code mountinfo},
 * {@code uid_map}, as a container's root without a user namespace: two findings, so each read becomes a
 * {@code container_posture} event), the same in all three. {@code -prof gc} counts every thread's
 * allocations, the reading thread's included.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class SandboxReadsBenchmark {
    static final int CHILDREN = 6;
    static final int EVENTS_PER_CONTAINER = 8 + 4 * CHILDREN + 3;
    /** Pids a container uses: runc, its init (the workload after the hand-over), the children. */
    private static final int PIDS_PER_CONTAINER = 2 + CHILDREN;
    /** Containers before pids wrap: each workload pid of the cycle has a fixture /proc dir. */
    private static final int PID_CYCLE = 512;
    private static final int FIRST_PID = 10_000;
    private static final int SHIM = 100;

    @Param({"off", "on", "on-unlimited", "on-noread"})
    public String posture;

    private Path procRoot;
    private ThreadPoolExecutor readers;
    private StateEnricher state;
    private SimpleMeterRegistry registry;
    private final EventDecoder decoder = new EventDecoder();
    /** One container's life as decoded events, per slot of the pid cycle (ids and pids differ). */
    private Event[][] lives;
    private final Event slot = new Event();
    private final Event postureSlot = new Event();
    private int next;
    private long postureEvents;
    /** Counts the container_posture events: a field, so that no drain allocates a capturing lambda. */
    private final java.util.function.Consumer<Event> postureSink = e -> postureEvents++;

    @Setup
    public void setUp() throws IOException {
        procRoot = Files.createTempDirectory("vigil-bench-proc");
        write("1/status", "Name:\tsystemd\nPPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nCapEff:\t000001ffffffffff\n"
            + "NSpid:\t1\nSeccomp:\t0\n");
        write("1/cgroup", "0::/init.scope\n");
        write("1/cmdline", "/sbin/init\0");
        write("1/mountinfo", "27 1 254:0 / / rw - ext4 /dev/vda rw\n22 27 0:21 / /proc rw - proc proc rw\n"
            + "31 27 0:25 / /dev/mqueue rw - mqueue mqueue rw\n");
        write("1/uid_map", "         0          0 4294967295\n");
        write(SHIM + "/status", "Name:\tcontainerd-shim\nPPid:\t1\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
            + "CapEff:\t000001ffffffffff\nNSpid:\t" + SHIM + "\n");
        write(SHIM + "/cgroup", "0::/system.slice/containerd.service\n");
        write(SHIM + "/cmdline", "/usr/bin/containerd-shim-runc-v2\0");
        int budget = posture.equals("on-unlimited") ? Integer.MAX_VALUE : StateConfig.DEFAULT_PROC_READS_PER_SECOND;
        registry = new SimpleMeterRegistry();
        state = new StateEnricher(new StateConfig(procRoot.toString(), procRoot.resolve("no-cgroups").toString(),
            System.getProperty("java.io.tmpdir"), 65_536, 4096, budget), registry, Clock.SYSTEM);
        state.seedFromProc(); // init and the shim; the workloads' dirs come after, as processes yet to start
        lives = new Event[PID_CYCLE][];
        for (int i = 0; i < PID_CYCLE; i++) {
            int pid = FIRST_PID + i * PIDS_PER_CONTAINER;
            writeWorkload(pid + 1);
            lives[i] = life(String.format("%012x", 0xc0de00000000L + i), pid);
        }
        if (posture.equals("on-noread")) {
            state.enableSandboxReads(Set.of(), r -> { });
        } else if (!posture.equals("off")) {
            readers = sandboxThread();
            state.enableSandboxReads(Set.of(), readers);
        }
        for (int i = 0; i < 4 * PID_CYCLE; i++) {
            container();
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        boolean reading = posture.equals("on") || posture.equals("on-unlimited");
        while (reading && (reads() == 0 || postureEvents == 0) && System.nanoTime() < deadline) {
            container(); // the reading thread's answers arrive at a later drain
            Thread.onSpinWait();
        }
        if (reading == (reads() == 0) || reading == (postureEvents == 0)) {
            throw new IllegalStateException("posture " + posture + ": " + reads() + " reads, " + postureEvents + " events");
        }
    }

    private double reads() {
        return registry.get("vigil.state.sandbox.reads").tag("result", "ok").counter().count();
    }

    @TearDown
    public void tearDown() throws IOException {
        if (readers != null) {
            readers.shutdownNow();
        }
        try (Stream<Path> s = Files.walk(procRoot)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS_PER_CONTAINER)
    public long container() {
        Event[] life = lives[next];
        next = (next + 1) % PID_CYCLE;
        for (Event t : life) {
            slot.copyFrom(t);
            state.enrich(slot);
        }
        state.drainSandboxes(postureSlot, postureSink);
        return postureEvents;
    }

    /** The agent's sandbox thread (cli.Stages): one daemon thread, a bounded queue. */
    private static ThreadPoolExecutor sandboxThread() {
        return new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(512), r -> {
            Thread t = new Thread(r, "vigil-sandbox");
            t.setDaemon(true);
            return t;
        });
    }

    /** A container's life: runc starts it (runc = pid, its init = pid + 1), the init's children, the exits. */
    private Event[] life(String id, int pid) {
        int runc = pid;
        int init = pid + 1;
        List<String> lines = new ArrayList<>();
        lines.add(ev("clone", SHIM, 1, "containerd-shim", "host", "\"evt.rawres\":" + runc));
        lines.add(exec(runc, SHIM, "runc", "/usr/sbin/runc", "host"));
        lines.add(ev("clone", runc, SHIM, "runc", "host", "\"evt.rawres\":" + init));
        lines.add(exec(init, runc, "exe", "/proc/self/exe", "host"));
        lines.add(ev("mount", init, runc, "runc:[2:INIT]", id, ""));
        lines.add(ev("procexit", runc, SHIM, "runc", "host", ""));
        lines.add(exec(init, runc, "python3", "/usr/bin/python3", id)); // the hand-over: the workload
        lines.add(ev("openat", init, runc, "python3", id, "\"fd.name\":\"/app/app.py\""));
        for (int c = 0; c < CHILDREN; c++) {
            int child = pid + 2 + c;
            lines.add(ev("clone", init, runc, "python3", id, "\"evt.rawres\":" + child));
            lines.add(exec(child, init, "sh", "/bin/sh", id));
            lines.add(ev("socket", child, init, "sh", id, "\"evt.arg.domain\":2,\"evt.arg.type\":1"));
            lines.add(ev("procexit", child, init, "sh", id, ""));
        }
        lines.add(ev("openat", init, runc, "python3", id, "\"fd.name\":\"/tmp/out\""));
        lines.add(ev("socket", init, runc, "python3", id, "\"evt.arg.domain\":2,\"evt.arg.type\":2"));
        lines.add(ev("procexit", init, runc, "python3", id, ""));
        if (lines.size() != EVENTS_PER_CONTAINER) {
            throw new IllegalStateException(lines.size() + " events, not " + EVENTS_PER_CONTAINER);
        }
        Event[] out = new Event[lines.size()];
        for (int i = 0; i < out.length; i++) {
            byte[] b = (lines.get(i) + "\n").getBytes(StandardCharsets.UTF_8);
            out[i] = new Event();
            if (decoder.decode(b, 0, b.length, out[i], 1L) != null) {
                throw new IllegalStateException("bad event " + lines.get(i));
            }
        }
        return out;
    }

    private static String exec(int pid, int ppid, String comm, String exe, String container) {
        return ev("execve", pid, ppid, comm, container, "\"proc.exepath\":\"" + exe
            + "\",\"thread.cap_effective\":\"0x00000000a80425fb\"");
    }

    private static String ev(String type, int pid, int ppid, String comm, String container, String more) {
        return "{\"evt.type\":\"" + type + "\",\"evt.res\":0,\"proc.pid\":" + pid + ",\"proc.ppid\":" + ppid
            + ",\"proc.name\":\"" + comm + "\",\"container.id\":\"" + container + "\"" + (more.isEmpty() ? "" : "," + more)
            + "}";
    }

    /** A workload's /proc as a default Kubernetes pod's: a seccomp filter, root, no user namespace. */
    private void writeWorkload(int pid) throws IOException {
        write(pid + "/status", "Name:\tpython3\nPPid:\t" + (pid - 1) + "\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
            + "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\nNSpid:\t" + pid + "\t1\nNoNewPrivs:\t0\n"
            + "Seccomp:\t2\nSeccomp_filters:\t1\n");
        write(pid + "/mountinfo", "600 500 254:0 /var/lib/containerd/rootfs/" + pid + " / rw - ext4 /dev/vda rw\n"
            + "601 600 0:90 / /proc rw - proc proc rw\n602 600 0:91 / /dev/mqueue rw - mqueue mqueue rw\n");
        write(pid + "/uid_map", "         0          0 4294967295\n");
    }

    private void write(String rel, String text) {
        try {
            Path p = procRoot.resolve(rel);
            Files.createDirectories(p.getParent());
            Files.writeString(p, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
