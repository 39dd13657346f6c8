package dev.vigil.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The runtime room's {@link IdentitySource}: keeps a table of container identities from every configured
 * {@link RuntimeClient}, current through their event streams, and hands changes to the pipeline thread.
 *
 * <p>Policy, up front:
 * <ul>
 *   <li><b>Start</b> ({@link #start}): each client is listed on its own thread ({@code vigil-runtime-<client>});
 *       {@code start} waits for those first lists at most {@code startTimeout}, then returns whatever is
 *       known. The same thread then follows the client's event stream; a broken stream is re-listed and
 *       re-followed after a backoff (1 s doubling to 30 s). A client without a stream is re-listed every
 *       {@link #RELIST_INTERVAL} (which also keeps {@code vigil.runtime.up} honest).</li>
 *   <li><b>Merging</b>: what the first client in config order says wins; a later client fills only what
 *       the earlier ones left unknown ({@link ContainerIdentity#orElse}). Each client's latest answer is
 *       kept per container, so an update from one source never erases another's.</li>
 *   <li><b>Keys</b>: the full id, and for an id longer than 12 characters its 12-character prefix (the
 *       state stage's {@code container.id}); {@code ctr run … t1} is found as {@code t1}. Two named ids
 *       sharing a 12-character prefix: the later one owns the short key.</li>
 *   <li><b>Bounds</b>: at most {@code maxContainers} identities (then new ones are dropped, counted
 *       {@code vigil.runtime.dropped{reason=table_full}}); deleted containers leave at once. The update
 *       queue holds {@code queueCapacity} updates and the request queue {@link #REQUEST_QUEUE}; a full queue
 *       drops, counted, and never blocks.</li>
 *   <li><b>Requests</b> ({@link #request}): deduplicated while pending; served by {@code vigil-runtime-lookup},
 *       which asks every client in order ({@code inspect}) and publishes what they say; an id no client knows
 *       is not asked again for {@link #UNKNOWN_TTL}. A container first announced (by event or lookup) by a
 *       later client only is asked of the earlier clients again, {@link #REFINE_ATTEMPTS} times at most
 *       (containerd's stream announces the kubelet's containers; its CRI, ranked first, knows the image
 *       reference the kubelet asked for, but only once it has stored the container). While a lookup or such a
 *       round is under way the container is {@link #resolving}: the alert stage waits for it a little longer.</li>
 *   <li><b>Failures</b>: a missing, refused or slow runtime is one log line per client per change of state
 *       and a count ({@code vigil.runtime.errors{runtime,reason}}, {@code vigil.runtime.up} 0), never an
 *       exception out of this class.</li>
 * </ul>
 *
 * <p>Threading: {@link #request}, {@link #lookup} and {@link #close} from any thread, never blocking on a
 * runtime; {@link #drain} from the pipeline thread only (allocates nothing when empty). Runtime calls run
 * only on this class's {@code vigil-runtime-*} threads.
 */
public final class RuntimeIdentityResolver implements IdentitySource {
    private static final Logger log = LoggerFactory.getLogger(RuntimeIdentityResolver.class);

    public static final int DEFAULT_MAX_CONTAINERS = 16_384;
    public static final int DEFAULT_QUEUE_CAPACITY = 16_384;
    static final int REQUEST_QUEUE = 1_024;
    static final int SHORT_ID = 12;
    static final Duration UNKNOWN_TTL = Duration.ofSeconds(2);
    static final int UNKNOWN_MAX = 4_096;
    static final Duration RELIST_INTERVAL = Duration.ofSeconds(60);
    static final Duration BACKOFF_MIN = Duration.ofSeconds(1);
    static final Duration BACKOFF_MAX = Duration.ofSeconds(30);
    /** A container announced by a later source is re-asked of the earlier ones this often (× the attempt). */
    static final Duration REFINE_DELAY = Duration.ofMillis(100);
    static final int REFINE_ATTEMPTS = 5;

    /** A pipeline's request for the lookup thread: every client is asked, in rank order. */
    private record Ask(String id) {
    }

    /** One container: each client's latest answer (by client rank) and their merge. Guarded by {@code lock}. */
    private record Entry(ContainerIdentity[] byClient, ContainerIdentity merged) {
    }

    private final List<RuntimeClient> clients;
    private final RuntimeMetrics metrics;
    private final Duration startTimeout;
    private final int maxContainers;
    private final Object lock = new Object();
    private final Map<String, Entry> byId = new ConcurrentHashMap<>();
    private final Map<String, String> shortToFull = new ConcurrentHashMap<>();
    private final ArrayBlockingQueue<Update> updates;
    /** Updates in {@link #updates}: {@link #drain} reads it to return at once, without the queue's lock. */
    private final AtomicInteger queuedUpdates = new AtomicInteger();
    /** Re-asks the better-ranked clients about a container a later one announced first ({@link #refineLater}). */
    private final ScheduledExecutorService refiner = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "vigil-runtime-refine");
        t.setDaemon(true);
        return t;
    });
    private final AtomicInteger refining = new AtomicInteger();
    /** Full ids whose better-ranked clients are being asked again ({@link #refineLater}): see {@link #resolving}. */
    private final java.util.Set<String> refiningIds = ConcurrentHashMap.newKeySet();
    private final int queueCapacity;
    private final ArrayBlockingQueue<Ask> requests = new ArrayBlockingQueue<>(REQUEST_QUEUE);
    private final Map<String, Boolean> pending = new ConcurrentHashMap<>();
    private final Map<String, Long> unknownUntilNanos = new ConcurrentHashMap<>();
    /** Last logged state per client ("up" or an error reason): one log line per change. */
    private final Map<String, String> states = new ConcurrentHashMap<>();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch closed = new CountDownLatch(1);
    private final List<Thread> threads = new ArrayList<>();

    /**
     * @param clients       the runtime clients in config order (first wins); closed by {@link #close}
     * @param registry      where the {@code vigil.runtime.*} meters go
     * @param startTimeout  how long {@link #start} waits for the first lists
     * @param maxContainers the table's bound
     * @param queueCapacity the update queue's bound
     */
    public RuntimeIdentityResolver(List<RuntimeClient> clients, MeterRegistry registry, Duration startTimeout,
                                   int maxContainers, int queueCapacity) {
        if (maxContainers < 1 || queueCapacity < 1) {
            throw new IllegalArgumentException("maxContainers and queueCapacity must be > 0");
        }
        this.clients = List.copyOf(clients);
        this.metrics = new RuntimeMetrics(registry, this.clients.stream().map(RuntimeClient::name).toList(), byId::size);
        this.startTimeout = startTimeout;
        this.maxContainers = maxContainers;
        this.updates = new ArrayBlockingQueue<>(queueCapacity);
        this.queueCapacity = queueCapacity;
    }

    /**
     * Lists every client (each on its own thread, waiting at most the start timeout in all), then follows
     * their event streams. Idempotent. Returns how many containers are known when it returns.
     */
    public int start() {
        if (!started.compareAndSet(false, true)) {
            return byId.size();
        }
        CountDownLatch firstLists = new CountDownLatch(clients.size());
        for (int rank = 0; rank < clients.size(); rank++) {
            int r = rank;
            Thread t = new Thread(() -> follow(r, firstLists), "vigil-runtime-" + clients.get(rank).name());
            t.setDaemon(true);
            threads.add(t);
        }
        Thread lookups = new Thread(this::serveRequests, "vigil-runtime-lookup");
        lookups.setDaemon(true);
        threads.add(lookups);
        threads.forEach(Thread::start);
        try {
            if (!firstLists.await(startTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("runtime: not every runtime answered within {} ms; starting with {} containers known",
                    startTimeout.toMillis(), byId.size());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return byId.size();
    }

    @Override
    public void request(String containerId) {
        if (containerId == null || containerId.isEmpty() || closed.getCount() == 0) {
            return;
        }
        if (pending.putIfAbsent(containerId, Boolean.TRUE) != null) {
            return;
        }
        if (!requests.offer(new Ask(containerId))) {
            pending.remove(containerId);
            metrics.requestDropped();
        }
    }

    @Override
    public int drain(Consumer<Update> sink) {
        int n = 0;
        Update u;
        // At most one queue's worth per call, so producers cannot keep the pipeline thread here.
        if (queuedUpdates.get() == 0) {
            return 0; // the pipeline thread calls this per event in a container: no lock when empty
        }
        int max = queueCapacity;
        while (n < max && (u = updates.poll()) != null) {
            queuedUpdates.decrementAndGet();
            sink.accept(u);
            n++;
        }
        return n;
    }

    @Override
    public ContainerIdentity lookup(String containerId) {
        Entry e = entry(containerId);
        return e != null ? e.merged : null;
    }

    @Override
    public boolean resolving(String containerId) {
        if (containerId == null) {
            return false;
        }
        if (pending.containsKey(containerId)) {
            return true;
        }
        Entry e = entry(containerId);
        return refiningIds.contains(e != null ? e.merged.id() : containerId);
    }

    /** How many containers the table holds. */
    public int size() {
        return byId.size();
    }

    private Entry entry(String id) {
        if (id == null) {
            return null;
        }
        Entry e = byId.get(id);
        if (e == null) {
            String full = shortToFull.get(id);
            if (full == null && id.length() > SHORT_ID) {
                full = shortToFull.get(id.substring(0, SHORT_ID));
            }
            e = full != null ? byId.get(full) : null;
        }
        return e;
    }

    /**
     * Records client {@code rank}'s answer and queues an update when the merged identity changed.
     */
    private void publish(int rank, ContainerIdentity identity) {
        String id = identity.id();
        Update update = null;
        synchronized (lock) {
            Entry old = byId.get(id);
            if (old == null && byId.size() >= maxContainers) {
                metrics.tableFull();
                return;
            }
            ContainerIdentity[] byClient = old != null ? old.byClient.clone() : new ContainerIdentity[clients.size()];
            byClient[rank] = identity;
            ContainerIdentity merged = null;
            for (ContainerIdentity c : byClient) {
                merged = merged == null ? c : merged.orElse(c);
            }
            byId.put(id, new Entry(byClient, merged));
            if (id.length() > SHORT_ID) {
                shortToFull.put(id.substring(0, SHORT_ID), id);
            }
            unknownUntilNanos.remove(id);
            if (old == null || !merged.equals(old.merged)) {
                update = new Update(id, merged);
            }
        }
        if (update != null) {
            offer(update);
        }
    }

    /**
     * When the best-ranked client that answered for {@code id} is not the first, asks the better-ranked
     * ones again, later ({@link #refineLater}); the container counts as {@link #resolving} meanwhile.
     */
    private void refineIfBetterMayKnow(String id) {
        int best = bestAnswer(id);
        if (best > 0 && refiningIds.add(id)) { // one round of re-asking per container at a time
            refineLater(id, best, 1);
        }
    }

    /**
     * Asks the clients ranked before {@code rank} about {@code id} again after {@code attempt} ×
     * {@link #REFINE_DELAY}, up to {@link #REFINE_ATTEMPTS} times, until one answers or the container
     * leaves. Bounded: beyond {@code queueCapacity} pending refinements a new one is dropped (counted).
     */
    private void refineLater(String id, int rank, int attempt) {
        if (refining.incrementAndGet() > queueCapacity) {
            refining.decrementAndGet();
            refiningIds.remove(id);
            metrics.requestDropped();
            return;
        }
        try {
            refiner.schedule(() -> {
                refining.decrementAndGet();
                if (closed.getCount() == 0 || entry(id) == null || answeredBefore(id, rank)) {
                    refiningIds.remove(id);
                    return;
                }
                if (!ask(id, rank) && attempt < REFINE_ATTEMPTS) {
                    refineLater(id, rank, attempt + 1);
                } else {
                    refiningIds.remove(id);
                }
            }, REFINE_DELAY.toMillis() * attempt, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            refining.decrementAndGet(); // closing
            refiningIds.remove(id);
        }
    }

    /**
     * Whether a better-ranked client may say more than this answer: it names no image, or it is a kubelet's
     * container (a pod), whose image reference only the CRI names as the kubelet asked for it. A plain
     * container fully described (ctr, Docker) is not asked about again.
     */
    private static boolean betterMayKnow(ContainerIdentity identity) {
        return identity.imageRepository() == null || identity.podName() != null;
    }

    /** The rank of the best-ranked client that answered for {@code id}, or -1. */
    private int bestAnswer(String id) {
        synchronized (lock) {
            Entry e = byId.get(id);
            if (e != null) {
                for (int r = 0; r < e.byClient.length; r++) {
                    if (e.byClient[r] != null) {
                        return r;
                    }
                }
            }
            return -1;
        }
    }

    /** Whether a client ranked before {@code rank} has answered for container {@code id}. */
    private boolean answeredBefore(String id, int rank) {
        int best = bestAnswer(id);
        return best >= 0 && best < rank;
    }

    private void remove(String id) {
        Entry e;
        synchronized (lock) {
            e = byId.remove(id);
            if (e != null && id.length() > SHORT_ID) {
                shortToFull.remove(id.substring(0, SHORT_ID), id);
            }
        }
        if (e != null) {
            offer(new Update(id, null));
        }
    }

    private void offer(Update u) {
        if (updates.offer(u)) {
            queuedUpdates.incrementAndGet();
        } else {
            metrics.updateDropped();
        }
    }

    /** A client's thread: list, follow the stream, and on failure count, log a change, back off, repeat. */
    private void follow(int rank, CountDownLatch firstLists) {
        RuntimeClient client = clients.get(rank);
        RuntimeClient.Listener listener = new RuntimeClient.Listener() {
            @Override
            public void upsert(ContainerIdentity identity) {
                metrics.event(client.name());
                // What this client knows goes out at once (a name, a pod: the alert stage waits for the image
                // only); then the better-ranked clients are asked, on this thread, for what they know better
                // (containerd's own API leaves a kubelet's container's image to its CRI, which names the
                // reference the kubelet asked for), and again a little later if they do not know it yet.
                String id = identity.id();
                boolean refine = rank > 0 && betterMayKnow(identity) && !answeredBefore(id, rank);
                // Marked before it is published: the alert stage must see it as still resolving.
                boolean ownRound = refine && refiningIds.add(id);
                publish(rank, identity);
                if (refine) {
                    if (ask(id, rank)) {
                        refiningIds.remove(id);
                    } else if (ownRound) {
                        refineLater(id, rank, 1); // the CRI adds a container to its store after the record
                    }
                }
            }

            @Override
            public void deleted(String id) {
                metrics.event(client.name());
                remove(id);
            }
        };
        long backoffMillis = BACKOFF_MIN.toMillis();
        boolean counted = false;
        while (closed.getCount() > 0) {
            try {
                List<ContainerIdentity> all = client.list();
                for (ContainerIdentity c : all) {
                    publish(rank, c);
                }
                markUp(client, all.size());
                if (!counted) {
                    firstLists.countDown();
                    counted = true;
                }
                backoffMillis = BACKOFF_MIN.toMillis();
                client.watch(listener);
                // A client without an event stream returns at once; one whose stream ended cleanly too.
                if (await(RELIST_INTERVAL.toMillis())) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                markDown(client, e);
            }
            if (!counted) {
                firstLists.countDown();
                counted = true;
            }
            if (await(backoffMillis)) {
                return;
            }
            backoffMillis = Math.min(backoffMillis * 2, BACKOFF_MAX.toMillis());
        }
    }

    private void markUp(RuntimeClient client, int containers) {
        metrics.up(client.name(), true);
        if (!"up".equals(states.put(client.name(), "up"))) {
            log.info("runtime {}: connected, {} containers", client.name(), containers);
        }
    }

    private void markDown(RuntimeClient client, RuntimeCallException.Reason reason, String message) {
        if (closed.getCount() == 0) {
            return;
        }
        metrics.up(client.name(), false);
        metrics.error(client.name(), reason);
        if (!reason.tag().equals(states.put(client.name(), reason.tag()))) {
            // A runtime that is not on this node is normal (most nodes run one); one that refuses is not.
            if (reason == RuntimeCallException.Reason.UNAVAILABLE) {
                log.info("runtime {}: not available ({}) — identity from the other sources and the wire",
                    client.name(), message);
            } else {
                log.warn("runtime {}: {} — identity from the other sources and the wire", client.name(), message);
            }
        }
    }

    /** Counts and logs a client's failure under its reason: a gRPC client's own, else read off the error. */
    private void markDown(RuntimeClient client, Exception e) {
        if (e instanceof RuntimeCallException r) {
            markDown(client, r.reason(), r.getMessage());
        } else if (e instanceof IOException io) {
            markDown(client, reasonOf(io), io.getMessage());
        } else {
            markDown(client, RuntimeCallException.Reason.OTHER, String.valueOf(e));
        }
    }

    /** The reason of a failure of a client that reports plain I/O errors (the Engine API clients). */
    static RuntimeCallException.Reason reasonOf(IOException e) {
        String m = String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
        if (m.contains("permission denied") || e instanceof java.nio.file.AccessDeniedException) {
            return RuntimeCallException.Reason.PERMISSION_DENIED;
        }
        if (m.contains("timed out")) {
            return RuntimeCallException.Reason.TIMEOUT;
        }
        if (m.contains("no socket at") || m.contains("connection refused") || m.contains("cannot connect")) {
            return RuntimeCallException.Reason.UNAVAILABLE;
        }
        return RuntimeCallException.Reason.OTHER;
    }

    private void serveRequests() {
        while (closed.getCount() > 0) {
            Ask ask;
            try {
                ask = requests.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (ask == null) {
                continue;
            }
            try {
                resolve(ask.id);
            } finally {
                pending.remove(ask.id);
            }
        }
    }

    private void resolve(String id) {
        Entry known = entry(id);
        if (known != null) {
            offer(new Update(known.merged.id(), known.merged));
            return;
        }
        Long until = unknownUntilNanos.get(id);
        if (until != null && until - System.nanoTime() > 0) {
            return;
        }
        if (!ask(id, clients.size())) {
            if (unknownUntilNanos.size() >= UNKNOWN_MAX) {
                unknownUntilNanos.clear();
            }
            unknownUntilNanos.put(id, System.nanoTime() + UNKNOWN_TTL.toNanos());
            return;
        }
        // Found, but perhaps only by a later source (containerd's own API before the CRI has the container).
        Entry found = entry(id);
        if (found != null && betterMayKnow(found.merged)) {
            refineIfBetterMayKnow(found.merged.id());
        }
    }

    /** Inspects {@code id} with the clients ranked before {@code beforeRank}; true when one knew it. */
    private boolean ask(String id, int beforeRank) {
        boolean found = false;
        for (int rank = 0; rank < beforeRank && closed.getCount() > 0; rank++) {
            RuntimeClient client = clients.get(rank);
            try {
                Optional<ContainerIdentity> answer = client.inspect(id);
                if (answer.isPresent()) {
                    publish(rank, answer.get());
                    found = true;
                }
            } catch (IOException | RuntimeException e) {
                markDown(client, e);
            }
        }
        return found;
    }

    /** Waits up to {@code millis}; true when the resolver was closed meanwhile. */
    private boolean await(long millis) {
        try {
            return closed.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            return true;
        }
    }

    /** Stops every thread and closes every client. Idempotent. */
    @Override
    public void close() {
        if (closed.getCount() == 0) {
            return;
        }
        closed.countDown();
        refiner.shutdownNow();
        for (RuntimeClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException e) {
                log.debug("runtime {}: close failed", c.name(), e);
            }
        }
        for (Thread t : threads) {
            t.interrupt();
        }
        for (Thread t : threads) {
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
