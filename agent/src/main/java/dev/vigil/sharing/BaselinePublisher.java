package dev.vigil.sharing;

import dev.vigil.output.Backoff;
import dev.vigil.output.DiskSpool;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes this node's learned tuples (and the cluster's period start, when this node begins it) to
 * the shared-baselines topic, at least once. {@link #offer} (any thread; the pipeline thread, under the
 * store's lock) only queues, never blocks; the thread {@code vigil-baselines-publish} moves what is
 * queued to a {@link DiskSpool} (so a tuple survives a broker outage and a {@code kill -9}), sends the
 * spool's oldest records with the idempotent producer, and consumes them once acknowledged. A batch in
 * flight never holds up the spooling: the thread keeps moving the queue to disk while the producer
 * waits for the brokers (up to its delivery timeout). While the brokers are away it retries with
 * backoff (30 s at most) and counts each failed attempt.
 *
 * <p>Bounded: the queue ({@code queueCapacity}) and the spool ({@code spoolMaxBytes}); a tuple that fits
 * neither is counted deferred (queue_full, spool_full) and published at the next start from the state
 * file ({@link SharedBaselines} publishes every tuple this node learned that the topic lacks).
 *
 * <p>Threading: {@link #offer} from any thread; the rest on the publish thread; {@link #close} once.
 */
public final class BaselinePublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BaselinePublisher.class);
    /** Records sent per acknowledged batch. */
    static final int BATCH = 500;
    private static final long SYNC_INTERVAL_NANOS = 1_000_000_000L;
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final DiskSpool spool;
    private final ArrayBlockingQueue<SharedRecord> queue;
    private final SharingMetrics metrics;
    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(30));
    private final Thread thread;
    private volatile boolean closed;
    /** Publish thread only. */
    private long nextAttempt;
    private long lastSync;
    private long lastFailureLog = Long.MIN_VALUE;
    private boolean unsynced;
    /** The batch sent and not yet settled (null when none), and a failure met while sending it. */
    private List<Future<RecordMetadata>> inFlight;
    private KafkaException sendFailure;
    private static final Future<RecordMetadata> SKIPPED = CompletableFuture.completedFuture(null);

    BaselinePublisher(Producer<String, byte[]> producer, String topic, DiskSpool spool, int queueCapacity,
                      SharingMetrics metrics) {
        this.producer = producer;
        this.topic = topic;
        this.spool = spool;
        this.queue = new ArrayBlockingQueue<>(queueCapacity);
        this.metrics = metrics;
        this.thread = new Thread(this::run, "vigil-baselines-publish");
        thread.setDaemon(true);
    }

    BaselinePublisher start() {
        thread.start();
        return this;
    }

    /** Queues a record to publish; false (counted queue_full) when the queue is full. Never blocks. */
    public boolean offer(SharedRecord r) {
        if (queue.offer(r)) {
            return true;
        }
        metrics.deferred(SharingMetrics.Deferred.queue_full);
        return false;
    }

    /** Writes a record straight to the spool (before {@link #start}: the start's republishing, unbounded by the queue). */
    void spoolNow(SharedRecord r) {
        toSpool(r);
    }

    /** Records waiting in the disk spool. */
    long spooled() {
        return spool.records();
    }

    private void run() {
        // Once closed, a batch in flight is still settled (close's deadline bounds the wait).
        while (!closed || inFlight != null) {
            try {
                SharedRecord r = queue.poll(inFlight == null ? 100 : 10, TimeUnit.MILLISECONDS);
                if (r != null) {
                    toSpool(r);
                }
                long now = System.nanoTime();
                if (inFlight != null) {
                    settle();
                } else if (!closed && spool.records() > 0 && now - nextAttempt >= 0) {
                    send();
                }
                if (unsynced && now - lastSync >= SYNC_INTERVAL_NANOS) {
                    spool.sync();
                    unsynced = false;
                    lastSync = now;
                }
            } catch (InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.error("baseline publishing failed; retrying", e);
                inFlight = null;
                sendFailure = null;
                nextAttempt = System.nanoTime() + backoff.failed();
            }
        }
    }

    /** Everything queued into the spool, oldest first. */
    private void toSpool(SharedRecord first) {
        for (SharedRecord r = first; r != null; r = queue.poll()) {
            byte[] v = SharedRecord.encode(r);
            if (v.length > SharedRecord.MAX_VALUE_BYTES) {
                metrics.deferred(SharingMetrics.Deferred.too_large);
            } else if (!spool.append(v)) {
                metrics.deferred(SharingMetrics.Deferred.spool_full);
            } else {
                unsynced = true;
            }
        }
    }

    /** Sends the spool's oldest records; {@link #settle} consumes those acknowledged once all are answered. */
    private void send() {
        List<byte[]> batch = spool.peek(BATCH);
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        try {
            for (byte[] v : batch) {
                // A send blocks while the brokers' metadata cannot be had (up to max.block.ms): what was
                // learned meanwhile goes to disk before the next one.
                toSpool(queue.poll());
                SharedRecord r;
                try {
                    r = SharedRecord.parse(v);
                } catch (SharedRecord.RejectedException e) {
                    r = null; // the spool checksums its records: only a record from another version lands here
                }
                sent.add(r == null ? SKIPPED : producer.send(new ProducerRecord<>(topic, r.key(), v)));
            }
        } catch (KafkaException e) {
            sendFailure = e; // send() fails at once when the brokers' metadata cannot be had (max.block.ms)
        }
        inFlight = sent;
    }

    /** Once every record of the batch in flight is answered: consumes the acknowledged prefix, in order. */
    private void settle() throws InterruptedException {
        for (Future<RecordMetadata> f : inFlight) {
            if (!f.isDone()) {
                return; // the producer's delivery timeout bounds this
            }
        }
        int acked = 0;
        Throwable failure = sendFailure;
        for (Future<RecordMetadata> f : inFlight) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = e.getCause();
                break;
            }
            acked++;
        }
        inFlight = null;
        sendFailure = null;
        if (acked > 0) {
            spool.commit(acked);
            metrics.published(acked);
        }
        if (failure == null) {
            backoff.reset();
            return;
        }
        metrics.retry();
        nextAttempt = System.nanoTime() + backoff.failed();
        long now = System.nanoTime();
        if (lastFailureLog == Long.MIN_VALUE || now - lastFailureLog > LOG_INTERVAL_NANOS) {
            lastFailureLog = now;
            LOG.warn("cannot publish learned baselines to {} ({}); {} spooled, retrying (further failures within "
                + "a minute are only counted)", topic, failure.toString(), spool.records());
        }
    }

    /**
     * Stops the thread (waiting up to {@code deadline} for a send in progress), keeps what is queued in
     * the spool for the next start, and closes the producer and the spool. Idempotent.
     */
    public void close(Duration deadline) {
        if (closed) {
            return;
        }
        closed = true;
        try {
            thread.join(deadline.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
        SharedRecord r = queue.poll();
        if (r != null) {
            toSpool(r);
        }
        producer.close(Duration.ofMillis(Math.min(deadline.toMillis(), 1_000)));
        try {
            spool.close();
        } catch (IOException e) {
            LOG.warn("cannot close the baseline spool {}: {}", spool.directory(), e.toString());
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
