package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.DeliveryConfig;
import dev.vigil.config.OutputConfig;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The output stage as one {@link AlertEmitter}: hands each alert to every sink's {@link SinkDelivery}
 * (filtered there by priority, rule and tag), and owns their life cycle. Folding happens before it
 * ({@code dev.vigil.alert.AlertFolder}); it sees only what is to be delivered. {@link #emit} never
 * blocks and never throws on a destination's trouble.
 *
 * <p>Lifecycle: {@link #create} opens the spools and starts one thread per sink. On shutdown, after
 * the stages before it are closed: {@link #flush} (waits for delivery up to a deadline), then
 * {@link #close} (stops every sink within the deadline; what is still undelivered stays in the spools
 * for the next start). Idempotent.
 *
 * <p>Threading: {@link #emit} from any thread, serialized on this object (in the agent its one caller
 * is the folder, under its own lock); {@link #flush} and {@link #close} from any one thread.
 */
public final class Outputs implements AlertEmitter, AutoCloseable {
    /** Each sink's segment files are at most this large (smaller for small spools). */
    static final long MAX_SEGMENT_BYTES = 8L * 1024 * 1024;

    private final List<SinkDelivery> deliveries;
    private volatile boolean closed;

    /**
     * Builds the sinks, spools and threads.
     *
     * @param outputs  the configured outputs (names made unique: {@code syslog}, {@code syslog-2}, …)
     * @param spoolDir the spools' directory (one sub-directory per output), {@code alerts.spoolDir}
     * @param version  the agent's version, for CEF headers
     * @throws IOException a spool cannot be created or locked, or a TLS CA file cannot be read
     */
    public static Outputs create(List<OutputConfig> outputs, String spoolDir, MeterRegistry registry,
                                 String version) throws IOException {
        return create(outputs, spoolDir, registry, new SinkFactory(version, System.out));
    }

    public static Outputs create(List<OutputConfig> outputs, String spoolDir, MeterRegistry registry,
                                 SinkFactory sinks) throws IOException {
        Path spoolRoot = Path.of(spoolDir);
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
                DeliveryConfig d = c.delivery();
                long segment = Math.min(MAX_SEGMENT_BYTES, Math.max(64 * 1024, d.spoolMaxBytes() / 8));
                DiskSpool spool = new DiskSpool(spoolRoot.resolve(name), d.spoolMaxBytes(), segment);
                list.add(new SinkDelivery(name, sink, AlertFilter.of(d.minPriority(), d.rules(), d.tags()),
                    d.queueCapacity(), spool, Duration.ofMillis(d.maxBackoffMillis()),
                    (o, spooled, queued) -> new OutputMetrics(registry, o, spooled, queued)));
            }
        } catch (IOException | RuntimeException e) {
            for (SinkDelivery d : list) {
                d.close(Duration.ZERO);
            }
            throw e;
        }
        return new Outputs(list);
    }

    /** Over deliveries built by the caller (tests); starts them. */
    public Outputs(List<SinkDelivery> deliveries) {
        this.deliveries = List.copyOf(deliveries);
        for (SinkDelivery d : this.deliveries) {
            d.start();
        }
    }

    /** To every sink's queue (each filters). Never blocks on a destination. */
    @Override
    public synchronized void emit(Alert alert) {
        for (SinkDelivery d : deliveries) {
            d.offer(alert);
        }
    }

    public List<SinkDelivery> deliveries() {
        return deliveries;
    }

    /**
     * Waits until every sink delivered everything (memory queue and spool) or {@code timeout} passed.
     * True if all was delivered.
     */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean all = true;
        for (SinkDelivery d : deliveries) {
            all &= d.flush(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    /**
     * Stops every sink: each keeps delivering until done or {@code deadline}, then
     * moves what is left in memory into its spool and closes. Idempotent.
     */
    public void close(Duration deadline) {
        if (closed) {
            return;
        }
        closed = true;
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
