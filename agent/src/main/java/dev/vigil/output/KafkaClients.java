package dev.vigil.output;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The Kafka client settings every Kafka user in Vigil shares (the alert sink, the shared baselines):
 * the operator's {@code properties} (TLS, SASL, tuning, as Kafka names them) first, a PEM trust store
 * from {@code caFile}, then what Vigil fixes (bootstrap servers, idempotence, acks, serializers,
 * timeouts), which the properties cannot override.
 */
public final class KafkaClients {
    private KafkaClients() {
    }

    private static Properties common(List<String> brokers, Map<String, String> extra, String caFile, String clientId) {
        Properties p = new Properties();
        p.putAll(extra);
        if (caFile != null) {
            p.put("ssl.truststore.type", "PEM");
            p.put("ssl.truststore.location", caFile);
        }
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", brokers));
        p.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        return p;
    }

    /** An idempotent producer ({@code acks=all}) of String keys and byte[] values. */
    public static Properties producer(List<String> brokers, Map<String, String> extra, String caFile,
                                      int connectTimeoutMillis, int requestTimeoutMillis, String clientId) {
        Properties p = common(brokers, extra, caFile, clientId);
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Integer.toString(connectTimeoutMillis));
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis));
        // The producer retries inside this bound; past it the caller's own retry and spool take over.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis + 5_000 + 5));
        return p;
    }

    /** An admin client (topic creation), with the same connection settings. */
    public static Properties admin(List<String> brokers, Map<String, String> extra, String caFile,
                                   int requestTimeoutMillis, String clientId) {
        Properties p = common(brokers, extra, caFile, clientId);
        p.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis));
        p.put(CommonClientConfigs.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis));
        return p;
    }

    /**
     * A consumer of String keys and byte[] values that is assigned partitions (no group: nothing is
     * committed, every reader reads everything) and reads only committed records.
     */
    public static Properties assignedConsumer(List<String> brokers, Map<String, String> extra, String caFile,
                                              int requestTimeoutMillis, String clientId) {
        Properties p = common(brokers, extra, caFile, clientId);
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        // A missing topic is created by its owner with its settings (compaction), never as a side effect.
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Integer.toString(requestTimeoutMillis));
        return p;
    }
}
