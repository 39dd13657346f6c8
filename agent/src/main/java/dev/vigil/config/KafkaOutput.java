package dev.vigil.config;

import java.util.List;
import java.util.Map;

/**
 * {@code type: kafka}: each alert's JSON as one record, idempotent producer.
 *
 * @param url                  {@code kafka://B1:P,B2:P/TOPIC} (or {@code urlFile})
 * @param urlFile              a file holding the URL
 * @param caFile               TLS: PEM file of the CA certificates to trust (sets {@code ssl.truststore.*})
 * @param connectTimeoutMillis connect timeout; default 5000
 * @param requestTimeoutMillis a request's timeout (the producer retries inside it + 5 s); default 10000
 * @param kafkaKey             record key, container (default) or rule
 * @param properties           producer properties passed as they are, for TLS and SASL
 *                             ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}); Vigil's own
 *                             settings (idempotence, acks, serializers) cannot be overridden
 */
public record KafkaOutput(DeliveryConfig delivery, String url, String urlFile, String caFile,
                          Integer connectTimeoutMillis, Integer requestTimeoutMillis, String kafkaKey,
                          Map<String, String> properties) implements RemoteOutput {
    public static final String DEFAULT_KAFKA_KEY = "container";

    public KafkaOutput {
        delivery = delivery != null ? delivery : DeliveryConfig.defaults();
        connectTimeoutMillis = connectTimeoutMillis != null ? connectTimeoutMillis : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        requestTimeoutMillis = requestTimeoutMillis != null ? requestTimeoutMillis : DEFAULT_REQUEST_TIMEOUT_MILLIS;
        kafkaKey = kafkaKey != null ? kafkaKey : DEFAULT_KAFKA_KEY;
        properties = properties != null ? Map.copyOf(properties) : Map.of();
    }

    public static KafkaOutput of(String url) {
        return new KafkaOutput(null, url, null, null, null, null, null, null);
    }

    @Override
    public KafkaOutput withDelivery(DeliveryConfig d) {
        return new KafkaOutput(d, url, urlFile, caFile, connectTimeoutMillis, requestTimeoutMillis, kafkaKey,
            properties);
    }

    public KafkaOutput withTimeouts(int connectMillis, int requestMillis) {
        return new KafkaOutput(delivery, url, urlFile, caFile, connectMillis, requestMillis, kafkaKey, properties);
    }

    @Override
    public void validateOwn(String key, List<String> errors) {
        validateRemote(key, errors);
        if (requestTimeoutMillis < 1) {
            errors.add(key + ".requestTimeoutMillis must be > 0");
        }
        if (!kafkaKey.equals("container") && !kafkaKey.equals("rule")) {
            errors.add(key + ".kafkaKey must be container or rule, got '" + kafkaKey + "'");
        }
    }
}
