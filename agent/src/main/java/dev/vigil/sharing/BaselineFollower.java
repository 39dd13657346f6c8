package dev.vigil.sharing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the shared-baselines topic: every partition from its beginning, with no consumer group (each
 * agent reads everything; nothing is committed). {@link #load} reads up to the end offsets of the moment,
 * within a bound, handing each record to the caller (at start, before the pipeline runs); then the thread
 * {@code vigil-baselines-follow} ({@link #follow}) reads on and puts each record in a bounded inbox that
 * the pipeline thread empties ({@link #drain}). While the inbox has less room than a poll can return,
 * the partitions are paused (the consumer keeps its connection and waits), so nothing is dropped and
 * memory stays bounded. A record that is not a valid {@link SharedRecord} is counted and skipped.
 *
 * <p>Threading: {@link #load} then {@link #follow} on the starting thread (the consumer is the follow
 * thread's from then on); {@link #drain} on the pipeline thread; {@link #close} once.
 */
public final class BaselineFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BaselineFollower.class);
    /** The consumer's {@code max.poll.records}: the inbox keeps this much room before a poll. */
    static final int MAX_POLL_RECORDS = 500;
    private static final long LOG_INTERVAL_NANOS = 60_000_000_000L;

    private final org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer;
    private final String topic;
    private final ArrayBlockingQueue<SharedRecord> inbox;
    private final SharingMetrics metrics;
    private final Thread thread;
    private volatile boolean closed;
    private long lastRejectLog = Long.MIN_VALUE;

    /** What the start's read found. */
    record Load(long records, boolean complete, long millis) {
    }

    BaselineFollower(org.apache.kafka.clients.consumer.Consumer<String, byte[]> consumer, String topic,
                     int inboxCapacity, SharingMetrics metrics) {
        this.consumer = consumer;
        this.topic = topic;
        this.inbox = new ArrayBlockingQueue<>(Math.max(inboxCapacity, MAX_POLL_RECORDS));
        this.metrics = metrics;
        this.thread = new Thread(this::run, "vigil-baselines-follow");
        thread.setDaemon(true);
    }

    int inboxSize() {
        return inbox.size();
    }

    /**
     * Reads the topic from its beginning to its end offsets as of now, for at most {@code bound}, handing
     * each valid record to {@code apply}. Incomplete (brokers away, too slow) is not an error: the agent
     * runs with what it read, and {@link #follow} reads the rest.
     */
    Load load(Duration bound, Consumer<SharedRecord> apply) {
        long start = System.nanoTime();
        long deadline = start + bound.toNanos();
        long records = 0;
        boolean complete = false;
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, remaining(deadline));
            while ((infos == null || infos.isEmpty()) && System.nanoTime() - deadline < 0) {
                Thread.sleep(100); // a topic just created: its metadata reaches the brokers shortly
                infos = consumer.partitionsFor(topic, remaining(deadline));
            }
            if (infos == null || infos.isEmpty()) {
                LOG.warn("shared baselines: topic {} has no partitions (does it exist?)", topic);
            } else {
                List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                consumer.assign(parts);
                consumer.seekToBeginning(parts);
                Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(parts, remaining(deadline)));
                while (true) {
                    end.entrySet().removeIf(e -> consumer.position(e.getKey(), remaining(deadline)) >= e.getValue());
                    if (end.isEmpty()) {
                        complete = true;
                        break;
                    }
                    if (System.nanoTime() - deadline >= 0) {
                        break;
                    }
                    Duration left = remaining(deadline);
                    for (ConsumerRecord<String, byte[]> r : consumer.poll(left.compareTo(Duration.ofMillis(500)) < 0
                        ? left : Duration.ofMillis(500))) {
                        SharedRecord s = decode(r);
                        if (s != null) {
                            apply.accept(s);
                            records++;
                        }
                    }
                }
            }
        } catch (KafkaException e) {
            LOG.warn("shared baselines: reading {} at start stopped: {}", topic, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        metrics.loaded(millis, complete);
        return new Load(records, complete, millis);
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    /** Starts reading on, into the inbox, from where {@link #load} stopped. */
    BaselineFollower follow() {
        thread.start();
        return this;
    }

    private void run() {
        boolean assigned = !consumer.assignment().isEmpty();
        boolean paused = false;
        while (!closed) {
            try {
                if (!assigned) {
                    // The topic could not be read at start: find its partitions now, from the beginning.
                    List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
                    if (infos == null || infos.isEmpty()) {
                        sleep(1_000);
                        continue;
                    }
                    List<TopicPartition> parts = infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
                    consumer.assign(parts);
                    consumer.seekToBeginning(parts);
                    assigned = true;
                }
                boolean full = inbox.remainingCapacity() < MAX_POLL_RECORDS;
                if (full != paused) {
                    Set<TopicPartition> parts = consumer.assignment();
                    if (full) {
                        consumer.pause(parts);
                    } else {
                        consumer.resume(parts);
                    }
                    paused = full;
                }
                ConsumerRecords<String, byte[]> batch = consumer.poll(Duration.ofMillis(500));
                for (ConsumerRecord<String, byte[]> r : batch) {
                    SharedRecord s = decode(r);
                    if (s != null && !inbox.offer(s)) {
                        inbox.put(s); // not reached: the room was checked before the poll; never drop
                    }
                }
            } catch (WakeupException | InterruptException | InterruptedException e) {
                if (closed) {
                    return;
                }
            } catch (KafkaException e) {
                LOG.warn("shared baselines: reading {} failed ({}); retrying", topic, e.toString());
                sleep(1_000);
            }
        }
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private SharedRecord decode(ConsumerRecord<String, byte[]> r) {
        try {
            return SharedRecord.decode(r.key(), r.value());
        } catch (SharedRecord.RejectedException e) {
            metrics.rejected(e.reason);
            long now = System.nanoTime();
            if (lastRejectLog == Long.MIN_VALUE || now - lastRejectLog > LOG_INTERVAL_NANOS) {
                lastRejectLog = now;
                // The reason, the partition and offset: never the record's content.
                LOG.warn("shared baselines: record {}-{}@{} refused ({}); further refusals within a minute are only "
                    + "counted", r.topic(), r.partition(), r.offset(), e.reason);
            }
            return null;
        }
    }

    /** Hands at most {@code max} received records to {@code apply}, oldest first; the number handed. Pipeline thread. */
    int drain(Consumer<SharedRecord> apply, int max) {
        int n = 0;
        SharedRecord r;
        while (n < max && (r = inbox.poll()) != null) {
            apply.accept(r);
            n++;
        }
        return n;
    }

    /** Stops the follow thread and closes the consumer. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (thread.isAlive()) {
            consumer.wakeup();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(2)));
        } catch (KafkaException e) {
            LOG.debug("closing the baselines consumer: {}", e.toString());
        }
    }
}
