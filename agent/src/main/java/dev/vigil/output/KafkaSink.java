package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * Produces each alert's JSON to a Kafka topic, keyed by {@code container.id} (default; {@code host}
 * for host processes) or by rule, so that one container's (or rule's) alerts keep their order in a
 * partition. The producer is idempotent ({@code enable.idempotence=true}, {@code acks=all}): its own
 * retries never duplicate a record. {@link #flush} waits for every acknowledgement; a record too large
 * or an invalid topic fails for good, anything else (broker down, timeouts) is retryable.
 *
 * <p>TLS and SASL come from the output's {@code properties} (producer properties as Kafka names
 * them); {@code caFile} sets a PEM trust store. Delivery thread only ({@link KafkaProducer} itself
 * is thread-safe and runs its own I/O thread).
 */
public final class KafkaSink implements AlertSink {
    private final Producer<String, byte[]> producer;
    private final String topic;
    private final boolean keyByRule;
    private final AlertJson json = new AlertJson();
    private final List<Future<RecordMetadata>> inFlight = new ArrayList<>();

    public KafkaSink(Producer<String, byte[]> producer, String topic, boolean keyByRule) {
        this.producer = producer;
        this.topic = topic;
        this.keyByRule = keyByRule;
    }

    /** The producer settings Vigil fixes ({@link KafkaClients#producer}); {@code extra} (TLS, SASL, tuning) is applied first. */
    static Properties producerProperties(List<String> brokers, Map<String, String> extra, String caFile,
                                         int connectTimeoutMillis, int requestTimeoutMillis) {
        return KafkaClients.producer(brokers, extra, caFile, connectTimeoutMillis, requestTimeoutMillis, "vigil");
    }

    static KafkaSink create(KafkaTarget target, Map<String, String> extra, String caFile, int connectTimeoutMillis,
                            int requestTimeoutMillis, boolean keyByRule) {
        Properties p = producerProperties(target.brokers(), extra, caFile, connectTimeoutMillis, requestTimeoutMillis);
        return new KafkaSink(new KafkaProducer<>(p), target.topic(), keyByRule);
    }

    private String key(Alert a) {
        if (keyByRule) {
            return a.rule();
        }
        Object c = a.outputFields() == null ? null : a.outputFields().get("container.id");
        return c == null ? "host" : c.toString();
    }

    @Override
    public void send(Alert alert) throws SinkException {
        try {
            inFlight.add(producer.send(new ProducerRecord<>(topic, key(alert), json.write(alert))));
        } catch (KafkaException e) {
            // send() fails at once when metadata cannot be fetched within max.block.ms (broker down).
            inFlight.clear();
            throw SinkException.retryable("kafka " + topic + ": " + e, e);
        }
    }

    @Override
    public void flush() throws SinkException {
        producer.flush();
        int rejected = 0;
        String reason = null;
        try {
            for (Future<RecordMetadata> f : inFlight) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RecordTooLargeException || c instanceof RecordBatchTooLargeException
                        || c instanceof InvalidTopicException) {
                        rejected++;
                        reason = c.toString();
                    } else {
                        throw SinkException.retryable("kafka " + topic + ": " + c, c);
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SinkException.retryable("kafka " + topic + ": interrupted", e);
        } finally {
            inFlight.clear();
        }
        if (rejected > 0) {
            throw SinkException.partial("kafka " + topic + ": " + reason, rejected);
        }
    }

    @Override
    public void close(Duration deadline) {
        producer.close(deadline);
    }
}
