package dev.vigil.sharing;

import dev.vigil.config.SharedBaselinesConfig;
import dev.vigil.output.KafkaClients;
import dev.vigil.output.KafkaTarget;
import dev.vigil.rules.BaselineStore;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * The topic's content to and from a {@link BaselineStore}, for {@code vigil baselines export --from-topic}
 * and {@code import --to-topic}: a fleet seeds a new cluster from an old one. One-off, on the calling
 * thread; no agent runs these.
 */
public final class TopicCopy {
    private TopicCopy() {
    }

    /** What a read found: records applied, and whether it reached the topic's end within the bound. */
    public record Read(long records, boolean complete) {
    }

    /** Reads the whole topic (within {@code loadTimeoutMillis}) into {@code store}: tuples and the period start. */
    public static Read read(SharedBaselinesConfig c, BaselineStore store, MeterRegistry registry) {
        KafkaTarget target = KafkaTarget.parse(c.url(), "rules.sharedBaselines.url");
        SharingMetrics metrics = new SharingMetrics(registry);
        var cp = KafkaClients.assignedConsumer(target.brokers(), c.properties(), c.caFile(), c.requestTimeoutMillis(),
            "vigil-baselines-export");
        try (BaselineFollower f = new BaselineFollower(new KafkaConsumer<>(cp), target.topic(), c.queueCapacity(), metrics)) {
            BaselineFollower.Load load = f.load(Duration.ofMillis(c.loadTimeoutMillis()),
                r -> SharedBaselines.apply(r, store, metrics, Long.MAX_VALUE));
            return new Read(load.records(), load.complete());
        }
    }

    /**
     * Publishes {@code rows} (an export's tuples) as tuples {@code node} learned in the learning period; waits
     * for every acknowledgement. Returns the number published; throws IOException when the brokers refuse.
     */
    public static int publish(SharedBaselinesConfig c, List<BaselineStore.Row> rows, String node) throws IOException {
        KafkaTarget target = KafkaTarget.parse(c.url(), "rules.sharedBaselines.url");
        var pp = KafkaClients.producer(target.brokers(), c.properties(), c.caFile(), c.connectTimeoutMillis(),
            c.requestTimeoutMillis(), "vigil-baselines-import");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp)) {
            List<Future<RecordMetadata>> sent = new java.util.ArrayList<>(rows.size());
            for (BaselineStore.Row r : rows) {
                SharedRecord.Tuple t = new SharedRecord.Tuple(r.rule(), r.scope(), r.tuple(), node, r.atNanos(), false);
                sent.add(producer.send(new ProducerRecord<>(target.topic(), t.key(), SharedRecord.encode(t))));
            }
            producer.flush();
            for (Future<RecordMetadata> f : sent) {
                f.get();
            }
            return sent.size();
        } catch (ExecutionException | KafkaException e) {
            throw new IOException("kafka " + target.topic() + ": " + (e instanceof ExecutionException ? e.getCause() : e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }
}
