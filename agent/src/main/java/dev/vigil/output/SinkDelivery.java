package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one sink's alerts off the pipeline thread, losing none while the destination is down.
 *
 * <p>Policy: {@link #offer} (pipeline thread) never blocks: it puts the alert in a bounded memory
 * queue, or, when the queue is full, appends it to the sink's {@link DiskSpool} (a page-cache write).
 * The delivery thread {@code vigil-output-<name>} sends batches of up to {@value #BATCH} alerts and
 * flushes. After a retryable failure (destination down) it moves the memory queue into the spool as
 * alerts arrive and delivers from the spool, oldest first, committing a batch only after the sink
 * flushed it; once the destination answers again it delivers the spool and the memory queue in
 * turn. Order: the spool is delivered in the order it was written; an alert that overflowed to the
 * spool may overtake older ones still in the memory queue (every alert carries its event time).
 * A retryable failure is retried after an exponential backoff (100 ms doubling, capped at
 * {@code maxBackoff}, "equal jitter": a random time between half the delay and the delay). A
 * permanent failure drops that alert, counted in {@code vigil.output.failed{reason=permanent}} and
 * logged. An alert that fits neither the queue nor the spool is counted failed ({@code spool_full}).
 *
 * <p>Guarantee: at least once for every alert that reached the spool or was flushed; an alert may
 * be delivered twice around a failure (the batch in flight and, for stream sinks, the alerts sent
 * within {@link AlertSink#confirmDelay()} before a connection loss are sent again). Alerts still in
 * the memory queue when the process is killed ({@code kill -9}) are lost: {@link #close} moves them
 * to the spool, and the queue is empty in steady state. The spool is fsynced every {@value
 * #FSYNC_INTERVAL_MILLIS} ms while it changes.
 *
 * <p>Structure (OpenTelemetry's {@code BatchSpanProcessor}): this class is the face — the policy, the
 * queue, the spill to the spool, flush and close; a {@link DeliveryWorker} on the thread does the
 * sending, with its {@link Backoff} and, for stream sinks, its {@link UnconfirmedWindow}.
 *
 * <p>Threading: {@link #offer} from one thread at a time ({@link Outputs#emit}, serialized); {@link #flush},
 * {@link #close} and the getters from any thread.
 */
public final class SinkDelivery implements AutoCloseable {
    static final int BATCH = 256;
    static final long INITIAL_BACKOFF_MILLIS = 100;
    static final long FSYNC_INTERVAL_MILLIS = 1000;
    /** Unconfirmed alerts kept for re-sending; beyond it the oldest count as delivered. */
    static final int MAX_UNCONFIRMED = 20_000;

    private final Logger log;
    private final String name;
    private final AlertFilter filter;
    private final ArrayBlockingQueue<Alert> queue;
    private final DiskSpool spool;
    private final OutputMetrics metrics;
    private final AlertJson json = new AlertJson();
    /** Alerts accepted into the memory queue and not yet sent, spooled or failed. */
    private final AtomicLong pending = new AtomicLong();
    private final DeliveryWorker worker;
    private final Thread thread;

    public SinkDelivery(String name, AlertSink sink, AlertFilter filter, int queueCapacity, DiskSpool spool,
                        Duration maxBackoff, OutputMetricsFactory metricsFactory) {
        this.name = name;
        this.log = LoggerFactory.getLogger(SinkDelivery.class.getName() + "." + name);
        this.filter = filter;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.spool = spool;
        this.metrics = metricsFactory.create(name, spool::records, queue::size);
        long corruptSeen = spool.corruptRecords();
        if (corruptSeen > 0) {
            metrics.corrupt(corruptSeen);
            log.warn("output {}: {} torn or corrupt spool records skipped in {}", name, corruptSeen, spool.directory());
        }
        if (spool.records() > 0) {
            log.info("output {}: {} alerts waiting in spool {} from an earlier run", name, spool.records(),
                spool.directory());
        }
        this.worker = new DeliveryWorker(name, log, sink, queue, spool, metrics, pending, this::spill,
            new Backoff(Duration.ofMillis(INITIAL_BACKOFF_MILLIS), maxBackoff), corruptSeen);
        this.thread = new Thread(worker, "vigil-output-" + name);
        thread.setDaemon(true);
    }

    /** Creates the metrics of a sink; lets the dispatcher share one registry. */
    @FunctionalInterface
    public interface OutputMetricsFactory {
        OutputMetrics create(String output, java.util.function.Supplier<Number> spooled,
                             java.util.function.Supplier<Number> queued);
    }

    public SinkDelivery start() {
        thread.start();
        return this;
    }

    public String name() {
        return name;
    }

    /** Takes the alert if the filter accepts it; never blocks. Pipeline thread. */
    public void offer(Alert a) {
        if (!filter.accepts(a)) {
            return;
        }
        if (worker.finished()) {
            metrics.failed(OutputMetrics.FailReason.closed, 1);
            return;
        }
        pending.incrementAndGet();
        if (!queue.offer(a)) {
            pending.decrementAndGet();
            spill(a);
        }
    }

    /** Into the spool, or counted failed. Any thread (the spool is thread-safe). */
    private void spill(Alert a) {
        byte[] b;
        try {
            b = json.write(a);
        } catch (RuntimeException e) {
            metrics.failed(OutputMetrics.FailReason.encode, 1);
            return;
        }
        try {
            if (!spool.append(b)) {
                metrics.failed(OutputMetrics.FailReason.spool_full, 1);
            }
        } catch (RuntimeException e) {
            // A closed or failing spool: the alert cannot be kept.
            metrics.failed(OutputMetrics.FailReason.spool_full, 1);
        }
    }

    /** Alerts in the memory queue. */
    public int queued() {
        return queue.size();
    }

    /** Alerts accepted into memory and not yet sent, spooled or failed (queued plus in flight). */
    public long pending() {
        return pending.get();
    }

    /** Alerts waiting in the disk spool. */
    public long spooled() {
        return spool.records();
    }

    /** The last delivery attempt failed and the destination has not answered since. */
    public boolean isDown() {
        return worker.isDown();
    }

    /** Waits until nothing is queued, in flight or spooled; false if {@code timeout} passed first. */
    public boolean flush(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.get() > 0 || spool.records() > 0) {
            if (System.nanoTime() - deadline >= 0 || !thread.isAlive()) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }

    /**
     * Stops: keeps delivering until everything is sent or {@code deadline} passed, then moves what is
     * left in memory to the spool, closes the sink and the spool. Idempotent.
     */
    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }

    public void close(Duration deadline) {
        if (!worker.stop(System.nanoTime() + deadline.toNanos())) {
            join(deadline);
            return;
        }
        LockSupport.unpark(thread);
        join(deadline.plusSeconds(1));
        if (thread.isAlive()) {
            thread.interrupt();
            join(Duration.ofSeconds(2));
        }
    }

    private void join(Duration d) {
        try {
            thread.join(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
