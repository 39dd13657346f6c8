package dev.vigil.state;

import dev.vigil.config.RuntimeConfig;
import dev.vigil.config.StateConfig;
import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import dev.vigil.runtime.IdentitySource;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.Consumer;

/**
 * The state stage: keeps the process and container tables from the events and the runtime's
 * identities, and fills each event's process and container fields from them, so that thin events
 * (only {@code evt.type}, {@code proc.pid} and arguments) can be matched by rules that name
 * {@code proc.name}, {@code container.id} or {@code k8s.pod.name}. A thin face that wires one class per job:
 * <ul>
 * <li>{@link ProcSeeder}: the table from /proc at start ({@link #seedFromProc});</li>
 * <li>{@link ProcessLifecycle}: clone/exec/exit and the producer's fields into the process table;
 *     {@link ProcLoader} reads /proc for a pid never seen (at most {@link StateConfig#procReadsPerSecond()}
 *     reads a second; pids found gone are remembered for {@link #NEGATIVE_TTL_NANOS});</li>
 * <li>{@link ContainerLinks}: which container each process is in, and the live counts;</li>
 * <li>{@link ContainerIdentities}: the runtime's identities into the container table (drained at
 *     batch end, {@link #drainIdentities}, and inline for a container met without one);</li>
 * <li>{@link EventFiller}: the tables' fields into the slot (the runtime's win over the producer's);</li>
 * <li>{@link PidsEventsPoller}: {@code pids.events} into synthesized {@code pids_max_hit} events
 *     ({@link #pollPidsEvents}).</li>
 * </ul>
 *
 * <p>Threading: pipeline thread only ({@link #enrich}, {@link #drainIdentities}, {@link #pollPidsEvents});
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

    private final Clock clock;
    private final ProcessTable processes;
    private final ContainerTable containers;
    private final ContainerLinks links;
    private final ProcLoader loader;
    private final ProcSeeder seeder;
    private final ProcessLifecycle lifecycle;
    private final EventFiller filler;
    private final ContainerIdentities identities;
    private final PidsEventsPoller poller;
    private final SandboxWatch sandboxes;
    private final String procRoot;
    private final long fullCapSet;

    /** Identity from the wire only ({@link IdentitySource#NONE}). */
    public StateEnricher(StateConfig config, MeterRegistry registry, Clock clock) {
        this(config, registry, clock, IdentitySource.NONE);
    }

    /** With the runtimes' identities from {@code identitySource} (drained on the pipeline thread). */
    public StateEnricher(StateConfig config, MeterRegistry registry, Clock clock, IdentitySource identitySource) {
        this(config, registry, clock, identitySource, RuntimeConfig.DEFAULT_CONTAINERD_NAMESPACES);
    }

    /**
     * As above, with the containerd namespaces whose native cgroup layout {@code /<ns>/<id>} names a
     * container ({@code runtime.containerdNamespaces}).
     */
    public StateEnricher(StateConfig config, MeterRegistry registry, Clock clock, IdentitySource identitySource,
                         List<String> containerdNamespaces) {
        this.clock = clock;
        ProcReader reader = new ProcReader(config.procRoot(), config.cgroupRoot(), containerdNamespaces);
        this.containers = new ContainerTable(config.maxContainers());
        this.links = new ContainerLinks(containers);
        this.processes = new ProcessTable(config.maxProcesses(), links);
        StateMetrics metrics = new StateMetrics(registry, processes, containers);
        links.bind(processes, metrics);
        TextInterner names = new TextInterner(4096, 64);
        TextInterner paths = new TextInterner(8192, ProcReader.MAX_CMDLINE_CHARS);
        NegativePidCache vanished = new NegativePidCache(4096, NEGATIVE_TTL_NANOS);
        ProcReadBudget budget = new ProcReadBudget(config.procReadsPerSecond()); // one budget for every /proc read
        this.loader = new ProcLoader(reader, processes, containers, links, metrics, budget, vanished, names, paths);
        this.seeder = new ProcSeeder(loader, processes);
        this.lifecycle = new ProcessLifecycle(processes, containers, links, loader, vanished, metrics, names, paths);
        this.fullCapSet = reader.fullCapabilitySet(Capabilities.FULL_SET);
        this.filler = new EventFiller(processes, containers, fullCapSet);
        this.identities = new ContainerIdentities(identitySource, containers, links);
        this.poller = new PidsEventsPoller(containers, filler, metrics, clock);
        this.sandboxes = new SandboxWatch(containers, processes, budget, filler, metrics, clock);
        this.procRoot = config.procRoot();
    }

    /**
     * Starts reading each container's sandbox as its workload starts (off until called): the reads run
     * on {@code executor} (one thread in the agent; the caller's in tests), the answers are applied by
     * {@link #drainSandboxes}. {@code alertOn}: the default-off findings that should alert too.
     */
    public void enableSandboxReads(java.util.Set<SandboxFinding> alertOn, java.util.concurrent.Executor executor) {
        sandboxes.enable(new SandboxProber(new SandboxReader(procRoot), alertOn, executor));
    }

    /**
     * Between batches: applies the sandboxes read since the last call; each that makes findings (or an
     * exec with less sandbox than its container's workload) becomes one {@code container_posture} event
     * in {@code slot}, handed to {@code sink} (the slot is reused: the sink must not keep it). Returns how many.
     */
    public int drainSandboxes(Event slot, Consumer<Event> sink) {
        links.nowNanos = clock.monotonicTime();
        return sandboxes.drain(slot, sink);
    }

    /**
     * Fills the process table from every process under the proc root (not rate-limited). Call once,
     * before events flow. Returns the number of processes read.
     */
    public int seedFromProc() {
        links.nowNanos = clock.monotonicTime();
        return seeder.seed();
    }

    @Override
    public void enrich(Event ev) {
        if (!ev.isValid()) {
            return;
        }
        long now = clock.monotonicTime();
        links.nowNanos = now;
        if (!ev.has(Field.PROC_PID)) {
            fillFromEventContainer(ev, now);
            return;
        }
        int pid = (int) ev.getLong(Field.PROC_PID);
        int type = ev.eventType();
        int e = lifecycle.enter(ev, pid, type, now);
        if (e < 0) {
            fillFromEventContainer(ev, now); // the exit of a pid never seen: nothing to learn
            return;
        }
        filler.fillProcess(e, ev);
        lifecycle.spawn(e, ev, type); // before the count, so that it includes the child
        int c = links.containerOf(e);
        if (c >= 0) {
            loader.learnPidsCgroup(c, pid, now);
            c = identities.resolve(c, now);
            if (c >= 0) {
                filler.fillContainer(c, e, ev, now, lifecycle.wireIdOverruled());
                sandboxes.onEvent(c, e, ev, pid, lifecycle.handedOver(), now);
            }
        }
        lifecycle.leave(e, type);
    }

    /** An event with no proc.pid, or the exit of a pid never seen: container fields from its container.id. */
    private void fillFromEventContainer(Event ev, long now) {
        if (!ev.has(Field.CONTAINER_ID)) {
            return;
        }
        long key = ContainerLinks.eventContainerKey(ev);
        int c = key < 0 ? -1 : containers.find(key);
        if (c >= 0) {
            c = identities.resolve(c, now);
            if (c >= 0) {
                filler.fillFromEventContainer(c, ev);
            }
        }
    }

    /**
     * Applies every identity update the source holds (runtime create/start/delete events, answers to
     * requests): call at the end of each batch. Returns how many.
     */
    public int drainIdentities() {
        links.nowNanos = clock.monotonicTime();
        return identities.drain();
    }

    /**
     * At most once per {@link #POLL_INTERVAL_NANOS} (returns 0 at once otherwise): reads the
     * {@code pids.events} {@code max} counter of every known container with a pids cgroup, and for
     * each whose counter rose since the previous read fills {@code slot} with a {@code pids_max_hit}
     * event ({@code evt.type}, {@code evt.rawtime}, {@code container.id}, {@code container.pids_limit}
     * when known, {@code container.live_procs}, {@code container.pids_usage}, {@code container.privileged}
     * when true, the container's identity when known, and the extra {@code evt.arg.count} = refusals
     * since the previous read) and calls {@code sink} with it; the slot is reused for the next
     * container, so the sink must not keep it. The first read of a container only records its
     * counter. Also forgets containers with no live process for {@link #CONTAINER_IDLE_NANOS} (unless
     * identified: those leave on the runtime's delete). Reads
     * files: allocates, once a second.
     *
     * @param nowNanos monotonic time in the clock's timebase ({@code clock.monotonicTime()})
     * @return the number of events handed to the sink
     */
    public int pollPidsEvents(long nowNanos, Event slot, Consumer<Event> sink) {
        links.nowNanos = nowNanos;
        return poller.poll(nowNanos, slot, sink);
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
