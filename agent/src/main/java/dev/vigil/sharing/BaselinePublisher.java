package dev.vigil.sharing;

import dev.vigil.output.Backoff;
import dev.vigil.output.DiskSpool;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
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
 * spool's oldest records with the idempotent producer, and consumes them once acknowledged. While the
 * brokers are away it retries with backoff (30 s at most) and counts each failed attempt.
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
        while (!closed) {
            try {
                SharedRecord r = queue.poll(100, TimeUnit.MILLISECONDS);
                if (r != null) {
                    toSpool(r);
                }
                long now = System.nanoTime();
                if (spool.records() > 0 && now - nextAttempt >= 0) {
                    sendBatch();
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

    /** Sends the spool's oldest records and consumes those acknowledged, in order. */
    private void sendBatch() {
        List<byte[]> batch = spool.peek(BATCH);
        List<Future<RecordMetadata>> sent = new ArrayList<>(batch.size());
        int acked = 0;
        Throwable failure = null;
        try {
            for (byte[] v : batch) {
                SharedRecord r;
                try {
                    r = SharedRecord.parse(v);
                } catch (SharedRecord.RejectedException e) {
                    r = null; // the spool checksums its records: only a record from another version lands here
                }
                sent.add(r == null ? null : producer.send(new ProducerRecord<>(topic, r.key(), v)));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                if (f != null) {
                    f.get();
                }
                acked++;
            }
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (KafkaException e) {
            failure = e; // send() fails at once when the brokers' metadata cannot be had (max.block.ms)
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
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
