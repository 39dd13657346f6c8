package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.alert.AlertFolder;
import dev.vigil.alert.AlertMetrics;
import dev.vigil.config.AlertsConfig;
import dev.vigil.config.OutputConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the rules stage's alerts go: folds duplicates and rate-limits ({@link AlertFolder}), then
 * hands each alert to every sink's {@link SinkDelivery} (filtered there by priority, rule and tag).
 * {@link #emit} never blocks and never throws on a destination's trouble.
 *
 * <p>Lifecycle: {@link #create} opens the spools and starts one thread per sink plus the sweeper
 * {@code vigil-alert-sweep} (summaries, once a second). On shutdown, after the ring is drained:
 * {@link #flush} (pending summaries out, waits for delivery up to a deadline), then {@link #close}
 * (stops every sink within the deadline; what is still undelivered stays in the spools for the next
 * start). Idempotent.
 *
 * <p>Threading: {@link #emit} from the pipeline thread and from the identity wait's worker
 * ({@code vigil-alert-identity}, releasing late alerts), serialized by the folder's lock; {@link #flush}
 * and {@link #close} from any one thread.
 */
public final class AlertDispatcher implements AlertEmitter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertDispatcher.class);
    /** Each sink's segment files are at most this large (smaller for small spools). */
    static final long MAX_SEGMENT_BYTES = 8L * 1024 * 1024;

    private final List<SinkDelivery> deliveries;
    private final AlertFolder folder;
    private final ScheduledExecutorService sweeper;
    private volatile boolean closed;

    /**
     * Builds the sinks, spools and threads.
     *
     * @param outputs  the configured outputs (names made unique: {@code syslog}, {@code syslog-2}, …)
     * @param alerts   dedup, rate limit and {@code spoolDir} (one sub-directory per output)
     * @param version  the agent's version, for CEF headers
     * @param clock    wall clock for dedup and rate limits ({@code Clock.systemUTC()})
     * @throws IOException a spool cannot be created or locked, or a TLS CA file cannot be read
     */
    public static AlertDispatcher create(List<OutputConfig> outputs, AlertsConfig alerts, MeterRegistry registry,
                                         String version, Clock clock) throws IOException {
        return create(outputs, alerts, registry, new SinkFactory(version, System.out), clock);
    }

    public static AlertDispatcher create(List<OutputConfig> outputs, AlertsConfig alerts, MeterRegistry registry,
                                         SinkFactory sinks, Clock clock) throws IOException {
        Path spoolRoot = Path.of(alerts.spoolDir());
        DiskSpool.createPrivateDirectories(spoolRoot);
        List<SinkDelivery> list = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try {
            for (OutputConfig c : outputs) {
                String name = c.nameOrType();
                for (int n = 2; !names.add(name); n++) {
                    name = c.nameOrType() + "-" + n;
                }
                AlertSink sink = sinks.create(c);
                long segment = Math.min(MAX_SEGMENT_BYTES, Math.max(64 * 1024, c.spoolMaxBytes() / 8));
                DiskSpool spool = new DiskSpool(spoolRoot.resolve(name), c.spoolMaxBytes(), segment);
                list.add(new SinkDelivery(name, sink, AlertFilter.of(c.minPriority(), c.rules(), c.tags()),
                    c.queueCapacity(), spool, Duration.ofMillis(c.maxBackoffMillis()),
                    (o, spooled, queued) -> new OutputMetrics(registry, o, spooled, queued)));
            }
        } catch (IOException | RuntimeException e) {
            for (SinkDelivery d : list) {
                d.close(Duration.ZERO);
            }
            throw e;
        }
        return new AlertDispatcher(list, alerts, registry, clock);
    }

    /** Over deliveries built by the caller (tests); starts them and the sweeper. */
    public AlertDispatcher(List<SinkDelivery> deliveries, AlertsConfig alerts, MeterRegistry registry, Clock clock) {
        this.deliveries = List.copyOf(deliveries);
        this.folder = new AlertFolder(alerts, clock, new AlertMetrics(registry), this::fanOut);
        for (SinkDelivery d : this.deliveries) {
            d.start();
        }
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-alert-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::sweep, 1, 1, TimeUnit.SECONDS);
    }

    private void sweep() {
        try {
            folder.sweep();
        } catch (RuntimeException e) {
            LOG.error("alert summary sweep failed", e);
        }
    }

    /**
     * Pipeline thread or the identity wait's worker: fold, then hand to every sink (under the folder's
     * lock). Never blocks on a destination.
     */
    @Override
    public void emit(Alert alert) {
        folder.emit(alert);
    }

    private void fanOut(Alert a) {
        for (SinkDelivery d : deliveries) {
            d.offer(a);
        }
    }

    /** The folding stage (tests call {@link AlertFolder#sweep()} with a fake clock). */
    public AlertFolder folder() {
        return folder;
    }

    public List<SinkDelivery> deliveries() {
        return deliveries;
    }

    /**
     * Sends pending dedup and rate-limit summaries, then waits until every sink delivered everything
     * (memory queue and spool) or {@code timeout} passed. True if all was delivered.
     */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        folder.flushSummaries();
        boolean all = true;
        for (SinkDelivery d : deliveries) {
            all &= d.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    /**
     * Stops the sweeper and every sink: each keeps delivering until done or {@code deadline}, then
     * moves what is left in memory into its spool and closes. Idempotent.
     */
    public void close(Duration deadline) {
        if (closed) {
            return;
        }
        closed = true;
        sweeper.shutdownNow();
        folder.flushSummaries();
        List<Thread> closers = new ArrayList<>();
        for (SinkDelivery d : deliveries) {
            Thread t = new Thread(() -> d.close(deadline), "vigil-output-close-" + d.name());
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join(deadline.toMillis() + 5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

}
