package dev.vigil.state;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The state stage's meters, registered once at construction; the verbs allocate nothing.
 * Thread-safe (Micrometer counters); the gauges read table sizes racily, which is fine for a gauge.
 */
final class StateMetrics {
    private final Counter processesEvicted;
    private final Counter procReadOk;
    private final Counter procReadVanished;
    private final Counter procReadFailed;
    private final Counter procReadLimited;
    private final Counter pidsMaxHits;
    private final Counter containerIdMismatches;
    private final Counter eventsDegraded;
    /** By {@link #SANDBOX_READ_RESULTS} index: bound once, so a read's outcome costs no lookup. */
    private final Counter[] sandboxReads = new Counter[SANDBOX_READ_RESULTS.length];
    /** The {@code result} tags of {@code vigil.state.sandbox.reads}, indexed by the {@code READ_*} constants. */
    static final String[] SANDBOX_READ_RESULTS = {"ok", "vanished", "failed", "limited", "refused"};
    static final int READ_OK = 0;
    static final int READ_VANISHED = 1;
    static final int READ_FAILED = 2;
    static final int READ_LIMITED = 3;
    static final int READ_REFUSED = 4;
    private final Counter privilegedExecs;

    StateMetrics(MeterRegistry registry, ProcessTable processes, ContainerTable containers) {
        Gauge.builder("vigil.state.processes", processes, ProcessTable::size)
            .description("Processes in the process table").baseUnit("processes").strongReference(true).register(registry);
        Gauge.builder("vigil.state.containers", containers, ContainerTable::size)
            .description("Containers in the container table").baseUnit("containers").strongReference(true)
            .register(registry);
        processesEvicted = Counter.builder("vigil.state.processes.evicted")
            .description("Process entries evicted because the table was full (least recently seen first)")
            .register(registry);
        FunctionCounter.builder("vigil.state.containers.evicted", containers, ContainerTable::evictions)
            .description("Container entries evicted because the table was full").register(registry);
        procReadOk = procReads(registry, "ok");
        procReadVanished = procReads(registry, "vanished");
        procReadFailed = procReads(registry, "failed");
        procReadLimited = Counter.builder("vigil.state.proc.reads.limited")
            .description("/proc reads for unknown pids skipped because the per-second budget was spent")
            .register(registry);
        Gauge.builder("vigil.state.containers.identified", containers, ContainerTable::identified)
            .description("Containers in the container table with an identity from the runtime")
            .baseUnit("containers").strongReference(true).register(registry);
        containerIdMismatches = Counter.builder("vigil.state.container_id_mismatch")
            .description("Events whose container.id named another container than the process's /proc cgroup"
                + " (the cgroup's wins)").register(registry);
        eventsDegraded = Counter.builder("vigil.state.events.degraded")
            .description("Events of a process whose /proc read the per-second budget skipped: its container is"
                + " inherited from the nearest known ancestor, or unknown").register(registry);
        for (int i = 0; i < SANDBOX_READ_RESULTS.length; i++) {
            sandboxReads[i] = Counter.builder("vigil.state.sandbox.reads").tag("result", SANDBOX_READ_RESULTS[i])
                .description("Reads of a container's sandbox (/proc/PID of its workload, or of a process exec'd into"
                    + " it), by result: limited = the /proc read budget was spent, refused = too many outstanding")
                .register(registry);
        }
        privilegedExecs = Counter.builder("vigil.posture.privileged_execs")
            .description("Processes put into a running container with less sandbox than its workload").register(registry);
        for (SandboxFinding f : SandboxFinding.values()) {
            if (f == SandboxFinding.PRIVILEGED_EXEC) {
                continue; // a process's, not a container's: counted above
            }
            Gauge.builder("vigil.posture.containers", containers, t -> t.withFinding(f)).tag("finding", f.label())
                .description("Containers in the container table whose workload's sandbox has the finding")
                .baseUnit("containers").strongReference(true).register(registry);
        }
        pidsMaxHits = Counter.builder("vigil.state.pids.max.hits")
            .description("pids_max_hit events synthesized from a rising pids.events max counter").register(registry);
    }

    private static Counter procReads(MeterRegistry registry, String result) {
        return Counter.builder("vigil.state.proc.reads").tag("result", result)
            .description("/proc/PID reads for pids never seen, by result").register(registry);
    }

    void processEvicted() {
        processesEvicted.increment();
    }

    void procRead(ProcReader.Result r) {
        switch (r) {
            case OK -> procReadOk.increment();
            case VANISHED -> procReadVanished.increment();
            default -> procReadFailed.increment();
        }
    }

    void procReadLimited() {
        procReadLimited.increment();
    }

    void eventDegraded() {
        eventsDegraded.increment();
    }

    void pidsMaxHit() {
        pidsMaxHits.increment();
    }

    /** A sandbox read's outcome: one of the {@code READ_*} constants. */
    void sandboxRead(int result) {
        sandboxReads[result].increment();
    }

    /** {@code n} sandbox reads the /proc budget refused ({@link #READ_LIMITED}), counted at once. */
    void sandboxReadsLimited(long n) {
        sandboxReads[READ_LIMITED].increment(n);
    }

    void privilegedExec() {
        privilegedExecs.increment();
    }

    void containerIdMismatch() {
        containerIdMismatches.increment();
    }
}
