package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * <p>Threading: {@link #offer} from one thread at a time ({@link Outputs#emit}, serialized); {@link #flush},
 * {@link #close} and the getters from any thread.
 */
public final class SinkDelivery implements AutoCloseable {
    static final int BATCH = 256;
    static final long INITIAL_BACKOFF_MILLIS = 100;
    static final long FSYNC_INTERVAL_MILLIS = 1000;
    /** Unconfirmed alerts kept for re-sending; beyond it the oldest count as delivered. */
    static final int MAX_UNCONFIRMED = 20_000;
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Logger log;
    private final String name;
    private final AlertSink sink;
    private final AlertFilter filter;
    private final ArrayBlockingQueue<Alert> queue;
    private final DiskSpool spool;
    private final OutputMetrics metrics;
    private final AlertJson json = new AlertJson();
    private final Thread thread;
    /** Alerts accepted into the memory queue and not yet sent, spooled or failed. */
    private final AtomicLong pending = new AtomicLong();
    // Delivery thread only.
    private final UnconfirmedWindow unconfirmed = new UnconfirmedWindow(MAX_UNCONFIRMED);
    private final Backoff backoff;
    private long nextAttemptNanos;
    private long lastSyncNanos;
    private long lastProbeNanos;
    private long lastDownLogNanos;
    private long lastPermanentLogNanos;
    private long permanentNotLogged;
    private long corruptSeen;

    private volatile boolean down;
    private volatile boolean stopping;
    private volatile boolean closed;
    private volatile long stopDeadlineNanos;

    public SinkDelivery(String name, AlertSink sink, AlertFilter filter, int queueCapacity, DiskSpool spool,
                        Duration maxBackoff, OutputMetricsFactory metricsFactory) {
        this.name = name;
        this.log = LoggerFactory.getLogger(SinkDelivery.class.getName() + "." + name);
        this.sink = sink;
        this.filter = filter;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.spool = spool;
        this.backoff = new Backoff(Duration.ofMillis(INITIAL_BACKOFF_MILLIS), maxBackoff);
        this.metrics = metricsFactory.create(name, spool::records, queue::size);
        this.thread = new Thread(this::run, "vigil-output-" + name);
        thread.setDaemon(true);
        corruptSeen = spool.corruptRecords();
        if (corruptSeen > 0) {
            metrics.corrupt(corruptSeen);
            log.warn("output {}: {} torn or corrupt spool records skipped in {}", name, corruptSeen, spool.directory());
        }
        if (spool.records() > 0) {
            log.info("output {}: {} alerts waiting in spool {} from an earlier run", name, spool.records(),
                spool.directory());
        }
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
        if (closed) {
            metrics.failed(OutputMetrics.FailReason.closed, 1);
            return;
        }
        pending.incrementAndGet();
        if (!queue.offer(a)) {
            pending.decrementAndGet();
            spill(a);
        }
    }

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
        return down;
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
        if (stopping) {
            join(deadline);
            return;
        }
        stopDeadlineNanos = System.nanoTime() + deadline.toNanos();
        stopping = true;
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

    private void run() {
        lastSyncNanos = System.nanoTime();
        try {
            while (!shouldExit()) {
                step();
            }
        } catch (RuntimeException | Error e) {
            log.error("output {}: delivery thread failed; alerts stay in the spool", name, e);
        } finally {
            finish();
        }
    }

    private boolean shouldExit() {
        if (!stopping) {
            return false;
        }
        boolean empty = pending.get() == 0 && queue.isEmpty() && spool.records() == 0;
        return empty || System.nanoTime() - stopDeadlineNanos >= 0 || Thread.currentThread().isInterrupted();
    }

    private void step() {
        long now = System.nanoTime();
        checkUnconfirmed(now);
        if (now - lastSyncNanos >= TimeUnit.MILLISECONDS.toNanos(FSYNC_INTERVAL_MILLIS)) {
            spool.sync();
            lastSyncNanos = now;
            long c = spool.corruptRecords();
            if (c > corruptSeen) {
                metrics.corrupt(c - corruptSeen);
                corruptSeen = c;
            }
        }
        if (down) {
            // The destination is down: everything waits on disk, in arrival order.
            drainQueueToSpool();
            if (spool.records() == 0) {
                waitForWork(IDLE_WAIT_NANOS);
                return;
            }
            if (now - nextAttemptNanos < 0) {
                waitForWork(Math.min(nextAttemptNanos - now, IDLE_WAIT_NANOS));
                return;
            }
            deliverFromSpool();
        } else if (spool.records() > 0) {
            // Catching up: the spool first (oldest), and the memory queue too, so that it neither
            // fills nor has to go to a spool that may be full.
            deliverFromSpool();
            if (!down && !queue.isEmpty()) {
                deliverFromQueue(queue.poll());
            }
        } else {
            Alert first;
            try {
                first = queue.poll(IDLE_WAIT_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (first != null) {
                deliverFromQueue(first);
            }
        }
    }

    private void deliverFromQueue(Alert first) {
        if (first == null) {
            return;
        }
        List<Alert> batch = new ArrayList<>(Math.min(BATCH, queue.size() + 1));
        batch.add(first);
        queue.drainTo(batch, BATCH - 1);
        if (sendBatch(batch)) {
            succeeded(batch);
        } else {
            respoolUnconfirmed();
            for (Alert a : batch) {
                spill(a);
            }
            failedAttempt();
        }
        pending.addAndGet(-batch.size());
    }

    private void waitForWork(long nanos) {
        if (!stopping) {
            LockSupport.parkNanos(nanos);
        } else {
            LockSupport.parkNanos(Math.min(nanos, TimeUnit.MILLISECONDS.toNanos(10)));
        }
    }

    private void drainQueueToSpool() {
        Alert a;
        while ((a = queue.poll()) != null) {
            spill(a);
            pending.decrementAndGet();
        }
    }

    private void deliverFromSpool() {
        List<byte[]> records = spool.peek(BATCH);
        List<Alert> batch = new ArrayList<>(records.size());
        for (byte[] r : records) {
            try {
                batch.add(json.read(r));
            } catch (RuntimeException e) {
                metrics.failed(OutputMetrics.FailReason.encode, 1);
            }
        }
        if (sendBatch(batch)) {
            spool.commit(records.size());
            succeeded(batch);
        } else {
            // What earlier batches sent is no longer in the spool: back to disk now, not at the
            // next probe, so that a kill in between loses nothing.
            respoolUnconfirmed();
            failedAttempt();
        }
    }

    /** Sends and flushes; false on a retryable failure (nothing of the batch counts as delivered). */
    private boolean sendBatch(List<Alert> batch) {
        int permanent = 0;
        try {
            for (Alert a : batch) {
                try {
                    sink.send(a);
                } catch (SinkException e) {
                    if (e.retryable()) {
                        throw e;
                    }
                    permanent++;
                    permanentFailure(a, e);
                }
            }
            try {
                sink.flush();
            } catch (SinkException e) {
                if (e.retryable()) {
                    throw e;
                }
                permanent += e.rejected();
                metrics.failed(OutputMetrics.FailReason.permanent, e.rejected());
                log.warn("output {}: {} alerts rejected for good, not retried: {}", name, e.rejected(), e.getMessage());
            }
        } catch (SinkException e) {
            logDown(e.getMessage(), e.getCause());
            return false;
        } catch (RuntimeException e) {
            logDown(e.toString(), e);
            return false;
        }
        metrics.sent(batch.size() - permanent);
        return true;
    }

    private void succeeded(List<Alert> batch) {
        if (down) {
            log.info("output {}: delivering again after {} failed attempts", name, backoff.attempts());
        }
        down = false;
        backoff.reset();
        nextAttemptNanos = System.nanoTime();
        if (!sink.confirmDelay().isZero()) {
            unconfirmed.flushed(batch, System.nanoTime());
        }
    }

    /** Alerts flushed longer than the sink's confirm delay ago count as delivered if the peer is still there. */
    private void checkUnconfirmed(long now) {
        if (unconfirmed.isEmpty()) {
            return;
        }
        long delay = sink.confirmDelay().toNanos();
        if (!unconfirmed.oldestDue(now, delay) && now - lastProbeNanos < IDLE_WAIT_NANOS) {
            return;
        }
        lastProbeNanos = now;
        if (!sink.probe()) {
            logDown("connection closed by the peer", null);
            respoolUnconfirmed();
            failedAttempt();
            // Reconnect at once: the peer closed cleanly, it may be back already.
            nextAttemptNanos = now;
            return;
        }
        unconfirmed.confirm(now, delay);
    }

    private void respoolUnconfirmed() {
        unconfirmed.drainTo(this::spill);
    }

    private void failedAttempt() {
        down = true;
        metrics.retry();
        nextAttemptNanos = System.nanoTime() + backoff.failed();
    }

    private void logDown(String message, Throwable cause) {
        long now = System.nanoTime();
        if (!down || now - lastDownLogNanos >= LOG_INTERVAL_NANOS) {
            lastDownLogNanos = now;
            log.warn("output {}: delivery failed, will retry (spool holds {}): {}", name, spool.records(), message);
        }
    }

    private void permanentFailure(Alert a, SinkException e) {
        long now = System.nanoTime();
        if (now - lastPermanentLogNanos >= TimeUnit.SECONDS.toNanos(1)) {
            log.warn("output {}: alert {} of rule '{}' rejected for good, not retried: {}{}", name, a.uuid(), a.rule(),
                e.getMessage(), permanentNotLogged > 0 ? " (" + permanentNotLogged + " more not logged)" : "");
            lastPermanentLogNanos = now;
            permanentNotLogged = 0;
        } else {
            permanentNotLogged++;
        }
        metrics.failed(OutputMetrics.FailReason.permanent, 1);
    }

    private void finish() {
        closed = true;
        try {
            drainQueueToSpool();
            if (!unconfirmed.isEmpty() && !sink.probe()) {
                respoolUnconfirmed();
            }
            unconfirmed.clear();
        } catch (RuntimeException e) {
            log.error("output {}: cannot spool the remaining alerts", name, e);
        }
        long left = Math.max(TimeUnit.MILLISECONDS.toNanos(200), stopDeadlineNanos - System.nanoTime());
        try {
            sink.close(Duration.ofNanos(left));
        } catch (RuntimeException e) {
            log.warn("output {}: close failed: {}", name, e.toString());
        }
        try {
            long left2 = spool.records();
            spool.close();
            if (left2 > 0) {
                log.info("output {}: {} alerts left in spool {} for the next start", name, left2, spool.directory());
            }
        } catch (IOException | RuntimeException e) {
            log.error("output {}: cannot close spool", name, e);
        }
    }
}
