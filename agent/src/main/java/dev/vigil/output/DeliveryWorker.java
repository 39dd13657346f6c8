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
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * The delivery thread of one {@link SinkDelivery}: takes batches from the memory queue or the spool,
 * sends and flushes them, backs off after a retryable failure ({@link Backoff}) and then moves the
 * queue into the spool, keeps what a stream sink flushed until it is confirmed
 * ({@link UnconfirmedWindow}), fsyncs the spool once a second, and on stop spools what is left and
 * closes the sink and the spool. The policy is {@link SinkDelivery}'s javadoc.
 *
 * <p>Threading: {@link #run} on the thread {@code vigil-output-<name>}, every other field confined to
 * it; {@link #stop}, {@link #isDown} and {@link #finished} from any thread (volatile).
 */
final class DeliveryWorker implements Runnable {
    private static final long IDLE_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String name;
    private final Logger log;
    private final AlertSink sink;
    private final ArrayBlockingQueue<Alert> queue;
    private final DiskSpool spool;
    private final OutputMetrics metrics;
    /** Shared with the face: accepted into memory and not yet sent, spooled or failed. */
    private final AtomicLong pending;
    /** The face's spill: into the spool, or counted failed. */
    private final Consumer<Alert> spill;
    private final AlertJson json = new AlertJson();
    private final UnconfirmedWindow unconfirmed = new UnconfirmedWindow(SinkDelivery.MAX_UNCONFIRMED);
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
    private volatile boolean finished;
    private volatile long stopDeadlineNanos;

    DeliveryWorker(String name, Logger log, AlertSink sink, ArrayBlockingQueue<Alert> queue, DiskSpool spool,
                   OutputMetrics metrics, AtomicLong pending, Consumer<Alert> spill, Backoff backoff,
                   long corruptSeen) {
        this.name = name;
        this.log = log;
        this.sink = sink;
        this.queue = queue;
        this.spool = spool;
        this.metrics = metrics;
        this.pending = pending;
        this.spill = spill;
        this.backoff = backoff;
        this.corruptSeen = corruptSeen;
    }

    /** Asks the thread to finish by {@code deadlineNanos}; false if it was already asked. */
    synchronized boolean stop(long deadlineNanos) {
        if (stopping) {
            return false;
        }
        stopDeadlineNanos = deadlineNanos;
        stopping = true;
        return true;
    }

    boolean isDown() {
        return down;
    }

    /** The thread ended: nothing more is taken. */
    boolean finished() {
        return finished;
    }

    @Override
    public void run() {
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
        if (now - lastSyncNanos >= TimeUnit.MILLISECONDS.toNanos(SinkDelivery.FSYNC_INTERVAL_MILLIS)) {
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
        List<Alert> batch = new ArrayList<>(Math.min(SinkDelivery.BATCH, queue.size() + 1));
        batch.add(first);
        queue.drainTo(batch, SinkDelivery.BATCH - 1);
        if (sendBatch(batch)) {
            succeeded(batch);
        } else {
            respoolUnconfirmed();
            for (Alert a : batch) {
                spill.accept(a);
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
            spill.accept(a);
            pending.decrementAndGet();
        }
    }

    private void deliverFromSpool() {
        List<byte[]> records = spool.peek(SinkDelivery.BATCH);
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
        unconfirmed.drainTo(spill);
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
        finished = true;
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
