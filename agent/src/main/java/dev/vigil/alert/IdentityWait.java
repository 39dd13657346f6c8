package dev.vigil.alert;

import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Holds back, for a bounded time, an alert whose container the runtimes have not resolved yet, so that
 * it names its workload (DESIGN.md, Identity: "waits a bounded time in the alert stage, is re-enriched,
 * then sent — never dropped"). Sits between the rules and the folder.
 *
 * <p>Policy, per alert ({@link #emit}):
 * <ul>
 *   <li>no container ({@code container.id} absent or {@code host}): passed on at once, not counted;</li>
 *   <li>already naming its workload ({@code container.image.repository} or {@code container.name}), or
 *       {@link IdentitySource#lookup} knows the container now: filled, passed on at once, {@code resolved};</li>
 *   <li>otherwise it waits, up to {@code waitMillis}: the worker asks {@code lookup} every
 *       {@link #POLL_MILLIS} ms; when the identity comes the alert is filled, its output rendered again,
 *       and passed on ({@code late}); when the time is up it goes on as it is ({@code unresolved},
 *       {@code container.id} intact) — unless a runtime is still being asked about that container
 *       ({@link IdentitySource#resolving}: a loaded node's CRI stores a new container late), then it waits
 *       for that answer, {@link #RESOLVING_EXTRA_MILLIS} more at most;</li>
 *   <li>the wait holds at most {@code capacity} alerts, and at most {@link #PER_CONTAINER} of one
 *       container (one container's flood must not take the others' places); beyond, an alert goes on at
 *       once, unresolved ({@code queue_full}). With {@code waitMillis} 0 (replay, or turned off), nothing waits.</li>
 * </ul>
 * No alert is dropped and none is counted twice. Alerts that do not wait keep their order; a waiting
 * alert is passed on when released, so it may follow later ones.
 *
 * <p>Threading: {@link #emit} on one thread at a time (the pipeline thread): it never blocks and takes
 * no lock (a lock-free hand-off queue and an atomic count). Waiting alerts are held and released by one
 * worker thread, {@code vigil-alert-identity} ({@link #start}); so {@code downstream} is called from both
 * threads and must be thread-safe ({@link AlertFolder} is: it serializes on itself). Tests drive the
 * worker's step, {@link #tick}, on their own thread with a mock clock instead of starting it.
 *
 * <p>Lifecycle: {@link #close} (after the pipeline is drained, before the sinks flush) releases every
 * waiting alert (late if its identity came meanwhile, else unresolved) and stops the worker; alerts
 * emitted after it go straight on. Idempotent.
 */
public final class IdentityWait implements AlertEmitter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityWait.class);
    /** How often waiting alerts ask for their identity: fine-grained next to a wait of a few hundred ms. */
    public static final long POLL_MILLIS = 15;
    /** Alerts held at most; beyond, they go on unresolved. A few MB of alerts. */
    public static final int DEFAULT_CAPACITY = 10_000;
    /**
     * Alerts of one container held at most: its flood (thousands of alerts before its identity comes, folded
     * by the folder anyway) goes on unresolved rather than fill the wait and cost other containers their names.
     */
    public static final int PER_CONTAINER = 64;
    /**
     * How much longer than {@code waitMillis} an alert waits while a runtime is still being asked about its
     * container: the resolver's re-asking of the CRI takes 1.5 s at most (100 ms × 1..5) plus its calls.
     */
    public static final long RESOLVING_EXTRA_MILLIS = 3_000;

    /** One waiting alert: released at {@code deadlineNanos}, or at {@code lastNanos} while still resolving. */
    private record Held(Alert alert, String containerId, long deadlineNanos, long lastNanos) {
    }

    private final IdentitySource identities;
    private final AlertEmitter downstream;
    private final Clock clock;
    private final long waitNanos;
    private final int capacity;
    private final IdentityMetrics metrics;
    /** From {@link #emit} to the worker. */
    private final ConcurrentLinkedQueue<Held> inbox = new ConcurrentLinkedQueue<>();
    /** Alerts in the inbox and held: the bound. */
    private final AtomicInteger waiting = new AtomicInteger();
    /** Alerts held per container id (emit adds, release removes; a count of 0 is removed). */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> heldPerContainer =
        new java.util.concurrent.ConcurrentHashMap<>();
    /** Waiting alerts in arrival order. Worker thread only (or the closing thread once it stopped). */
    private final ArrayDeque<Held> held = new ArrayDeque<>();
    private volatile boolean closed;
    /** Null until {@link #start}. */
    private volatile ScheduledExecutorService worker;
    /**
     * A step is scheduled, or running and will schedule the next while alerts wait. The worker sleeps
     * while nothing waits (a step every {@link #POLL_MILLIS} ms cost ~0.8 % of a core on an idle node).
     */
    private final AtomicBoolean stepping = new AtomicBoolean();
    private final AtomicLong steps = new AtomicLong();

    /**
     * @param waitMillis longest wait for an identity; 0: nothing waits
     * @param capacity   alerts waiting at most
     * @param clock      monotonic time for deadlines ({@link Clock#SYSTEM}; a {@code MockClock} in tests)
     */
    public IdentityWait(IdentitySource identities, long waitMillis, int capacity, Clock clock, MeterRegistry registry,
                        AlertEmitter downstream) {
        if (waitMillis < 0) {
            throw new IllegalArgumentException("waitMillis must be >= 0");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.identities = identities;
        this.downstream = downstream;
        this.clock = clock;
        this.waitNanos = TimeUnit.MILLISECONDS.toNanos(waitMillis);
        this.capacity = capacity;
        this.metrics = new IdentityMetrics(registry, waiting::get);
    }

    /** Starts the worker ({@code vigil-alert-identity}) that releases waiting alerts. Once. */
    public synchronized IdentityWait start() {
        if (worker == null && !closed && waitNanos > 0) {
            worker = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-alert-identity");
                t.setDaemon(true);
                return t;
            });
            if (waiting.get() > 0) {
                wake(); // alerts held before the start
            }
        }
        return this;
    }

    /** Schedules a step in {@link #POLL_MILLIS} ms unless one is scheduled or running. */
    private void wake() {
        ScheduledExecutorService w = worker;
        if (w != null && stepping.compareAndSet(false, true)) {
            scheduleStep(w);
        }
    }

    private void scheduleStep(ScheduledExecutorService w) {
        try {
            w.schedule(this::safeTick, POLL_MILLIS, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            stepping.set(false); // closing: close releases what waits
        }
    }

    @Override
    public void emit(Alert alert) {
        String id = IdentityFields.containerId(alert);
        if (id == null) {
            send(alert);
            return;
        }
        if (IdentityFields.present(alert)) {
            metrics.resolved();
            send(alert);
            return;
        }
        ContainerIdentity identity = identities.lookup(id);
        if (IdentityFields.complete(identity)) {
            metrics.resolved();
            send(IdentityFields.fill(alert, identity));
            return;
        }
        if (waitNanos == 0 || closed) {
            metrics.unresolved();
            send(alert);
            return;
        }
        if (waiting.incrementAndGet() > capacity) {
            waiting.decrementAndGet();
            metrics.queueFull();
            send(alert);
            return;
        }
        if (heldPerContainer.merge(id, 1, Integer::sum) > PER_CONTAINER) {
            unhold(id);
            waiting.decrementAndGet();
            metrics.queueFull();
            send(alert);
            return;
        }
        long deadline = clock.monotonicTime() + waitNanos;
        inbox.add(new Held(alert, id, deadline, deadline + TimeUnit.MILLISECONDS.toNanos(RESOLVING_EXTRA_MILLIS)));
        wake();
    }

    /**
     * The worker's step: releases each waiting alert whose identity is now known (late) or whose wait
     * is over (unresolved; a container still {@link IdentitySource#resolving} extends it), in arrival
     * order. Worker thread only.
     */
    void tick() {
        long now = clock.monotonicTime();
        for (Held h; (h = inbox.poll()) != null; ) {
            held.add(h);
        }
        Iterator<Held> it = held.iterator();
        while (it.hasNext()) {
            Held h = it.next();
            ContainerIdentity identity = identities.lookup(h.containerId());
            if (IdentityFields.complete(identity) || waitIsOver(h, now)) {
                it.remove();
                release(h, identity);
            }
        }
    }

    private boolean waitIsOver(Held h, long now) {
        return now - h.lastNanos() >= 0
            || now - h.deadlineNanos() >= 0 && !identities.resolving(h.containerId());
    }

    private void safeTick() {
        steps.incrementAndGet();
        try {
            tick();
        } catch (RuntimeException e) {
            // The worker must survive; alerts still wait.
            LOG.error("identity wait: releasing alerts failed", e);
        }
        ScheduledExecutorService w = worker;
        if (waiting.get() > 0) {
            scheduleStep(w);
            return;
        }
        stepping.set(false);
        if (waiting.get() > 0) {
            wake(); // an alert came between the check and the reset: its emit may have seen a step scheduled
        }
    }

    /** Steps the worker has taken (tests: it sleeps while nothing waits). */
    long steps() {
        return steps.get();
    }

    /** Releases every waiting alert now: late if its identity came meanwhile, else unresolved (with what is known). */
    private void releaseAll() {
        for (Held h; (h = inbox.poll()) != null; ) {
            held.add(h);
        }
        for (Held h; (h = held.poll()) != null; ) {
            release(h, identities.lookup(h.containerId()));
        }
    }

    private void unhold(String containerId) {
        heldPerContainer.merge(containerId, -1, (a, b) -> a + b == 0 ? null : a + b);
    }

    private void release(Held h, ContainerIdentity identity) {
        waiting.decrementAndGet();
        unhold(h.containerId());
        Alert a = h.alert();
        if (IdentityFields.complete(identity)) {
            metrics.late();
        } else {
            metrics.unresolved();
        }
        if (identity != null) {
            a = IdentityFields.fill(a, identity); // a partial identity still names what it knows
        }
        try {
            send(a);
        } catch (RuntimeException e) {
            LOG.error("identity wait: passing on an alert of rule {} failed", a.rule(), e);
        }
    }

    /**
     * Passes the alert on, unless its {@link LateJudgement}, asked now with whatever identity its fields
     * carry, silences it (a baseline match whose image, known now, had learned it).
     */
    private void send(Alert a) {
        LateJudgement judgement = a.judgement();
        if (judgement != null) {
            boolean fires;
            try {
                fires = judgement.fires(a.outputFields());
            } catch (RuntimeException e) {
                LOG.error("identity wait: judging an alert of rule {} failed; it is sent", a.rule(), e);
                fires = true;
            }
            metrics.judged(fires);
            if (!fires) {
                return;
            }
            a = a.judged();
        }
        downstream.emit(a);
    }

    /** Alerts waiting now. */
    public int waiting() {
        return waiting.get();
    }

    /**
     * Releases every waiting alert and stops the worker, within {@code timeout} for the worker to finish
     * its step; what it did not release is released on this thread. Call after the pipeline is drained
     * (no {@link #emit} at the same time). Idempotent.
     */
    public void close(Duration timeout) {
        ScheduledExecutorService w;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            w = worker;
        }
        if (w != null) {
            try {
                w.submit(this::releaseAll).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                LOG.warn("identity wait: the worker did not release the waiting alerts ({}); releasing them here",
                    e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            w.shutdownNow();
            try {
                if (!w.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("identity wait: the worker did not stop in {}", timeout);
                    return; // it still owns the held alerts; releasing them here as well could send them twice
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        releaseAll();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
