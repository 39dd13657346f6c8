package dev.vigil.config;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Baselines shared by the cluster over a compacted Kafka topic (YAML: {@code rules.sharedBaselines};
 * docs/shared-baselines.md). Unset ({@code url} absent): every node learns alone, as without it. The
 * client keys are the Kafka output's ({@code url}, {@code caFile}, {@code properties}, the timeouts).
 *
 * @param url                  {@code kafka://B1:P[,B2:P…]/TOPIC}: the brokers and the compacted topic; none = off
 * @param caFile               PEM file of the CA certificates to trust (TLS) instead of the JVM's
 * @param properties           producer and consumer properties as Kafka names them, for TLS and SASL
 *                             ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}); Vigil's own settings
 *                             (idempotence, acks, serializers, no consumer group) cannot be overridden
 * @param connectTimeoutMillis longest a send waits for the brokers' metadata
 * @param requestTimeoutMillis one request to a broker
 * @param loadTimeoutMillis    at start, longest the agent reads the topic before it runs (with what it read)
 * @param queueCapacity        learned tuples waiting to be published, and received ones waiting for the
 *                             pipeline thread, each; past it publishing spools, receiving pauses
 * @param spoolMaxBytes        the disk spool of tuples not yet acknowledged by the brokers
 */
public record SharedBaselinesConfig(String url, String caFile, Map<String, String> properties,
                                    Integer connectTimeoutMillis, Integer requestTimeoutMillis,
                                    Integer loadTimeoutMillis, Integer queueCapacity, Long spoolMaxBytes) {
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 10_000;
    /** 30 s: the 10,000 records of 200 images × 50 tuples load in well under a second (README). */
    public static final int DEFAULT_LOAD_TIMEOUT_MILLIS = 30_000;
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** 64 MiB: some 300,000 records, far more than the store's bounds let one node learn. */
    public static final long DEFAULT_SPOOL_MAX_BYTES = 64L * 1024 * 1024;
    private static final Pattern URL = Pattern.compile("kafka://([^/,\\s]+)(,[^/,\\s]+)*/[A-Za-z0-9._-]{1,249}");

    public SharedBaselinesConfig {
        properties = properties != null ? Map.copyOf(properties) : Map.of();
        connectTimeoutMillis = connectTimeoutMillis != null ? connectTimeoutMillis : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        requestTimeoutMillis = requestTimeoutMillis != null ? requestTimeoutMillis : DEFAULT_REQUEST_TIMEOUT_MILLIS;
        loadTimeoutMillis = loadTimeoutMillis != null ? loadTimeoutMillis : DEFAULT_LOAD_TIMEOUT_MILLIS;
        queueCapacity = queueCapacity != null ? queueCapacity : DEFAULT_QUEUE_CAPACITY;
        spoolMaxBytes = spoolMaxBytes != null ? spoolMaxBytes : DEFAULT_SPOOL_MAX_BYTES;
    }

    public static SharedBaselinesConfig off() {
        return new SharedBaselinesConfig(null, null, null, null, null, null, null, null);
    }

    /** {@code url} with the defaults: for tests and the CLI. */
    public static SharedBaselinesConfig of(String url) {
        return new SharedBaselinesConfig(url, null, null, null, null, null, null, null);
    }

    public boolean enabled() {
        return url != null;
    }

    void validate(List<String> errors) {
        String key = "rules.sharedBaselines";
        if (url != null && !URL.matcher(url).matches()) {
            errors.add(key + ".url must be kafka://BROKER:PORT[,BROKER:PORT…]/TOPIC, got '" + url + "'");
        }
        if (connectTimeoutMillis < 1) {
            errors.add(key + ".connectTimeoutMillis must be > 0");
        }
        if (requestTimeoutMillis < 1) {
            errors.add(key + ".requestTimeoutMillis must be > 0");
        }
        if (loadTimeoutMillis < 0) {
            errors.add(key + ".loadTimeoutMillis must be >= 0");
        }
        if (queueCapacity < 1) {
            errors.add(key + ".queueCapacity must be > 0");
        }
        if (spoolMaxBytes < 64 * 1024) {
            errors.add(key + ".spoolMaxBytes must be >= 65536");
        }
        if (caFile != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(caFile))) {
            errors.add(key + ".caFile " + caFile + " is not a readable file");
        }
    }
}
