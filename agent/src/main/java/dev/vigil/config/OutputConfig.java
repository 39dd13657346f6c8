package dev.vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One alert destination (YAML: an item of {@code outputs}). Every key but {@code type} (and the
 * {@code url} or {@code path} it needs) has a default; see docs/outputs.md.
 *
 * @param type                 stdout, file, syslog, http, kafka
 * @param url                  for syslog/http/kafka: {@code syslog+udp|tcp|tls://H:P}, {@code http(s)://…},
 *                             {@code kafka://B1:P,B2:P/TOPIC}
 * @param path                 for file: the JSON-lines file
 * @param minPriority          least severe priority sent to this sink (Falco's names); default debug (all)
 * @param name                 names the sink in metrics ({@code output} tag), thread and spool directory;
 *                             default: the type (made unique with {@code -2}, {@code -3}… by the dispatcher)
 * @param format               syslog body: json (default) or cef
 * @param rules                if set, only alerts of these rules
 * @param tags                 if set, only alerts carrying at least one of these tags
 * @param queueCapacity        alerts held in memory before the spool takes them; default 10000
 * @param spoolMaxBytes        disk spool bound; an alert that does not fit is counted failed (spool_full); default 256 MiB
 * @param facility             syslog facility name; default local0
 * @param caFile               TLS (syslog+tls, https): PEM file of the CA certificates to trust instead of the JVM's
 * @param insecureSkipVerify   TLS: accept any certificate and host name (tests only); default false
 * @param connectTimeoutMillis connect timeout; default 5000
 * @param requestTimeoutMillis http: whole-request timeout; default 10000
 * @param maxFileBytes         file: rotate when the file would exceed this; default 100 MiB
 * @param maxFiles             file: rotated files kept (PATH.1 … PATH.N); default 5
 * @param maxBackoffMillis     retry backoff cap (exponential from 100 ms, with jitter); default 30000
 * @param kafkaKey             kafka: record key, container (default) or rule
 * @param properties           kafka: producer properties passed as they are, for TLS and SASL
 *                             ({@code security.protocol}, {@code ssl.*}, {@code sasl.*}); Vigil's own
 *                             settings (idempotence, acks, serializers) cannot be overridden
 * @param urlFile              for syslog/http/kafka, instead of {@code url}: a file holding the URL (a mounted
 *                             Secret's key), so that a webhook token never sits in the config; read when the
 *                             sink is made, surrounding white space dropped (see {@link #resolveUrl()})
 */
public record OutputConfig(String type, String url, String path, String minPriority, String name, String format,
                           List<String> rules, List<String> tags, Integer queueCapacity, Long spoolMaxBytes,
                           String facility, String caFile, Boolean insecureSkipVerify, Integer connectTimeoutMillis,
                           Integer requestTimeoutMillis, Long maxFileBytes, Integer maxFiles, Integer maxBackoffMillis,
                           String kafkaKey, Map<String, String> properties, String urlFile) {
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** 256 MiB: about 250k alerts of 1 KiB, hours of a heavy alert stream. */
    public static final long DEFAULT_SPOOL_MAX_BYTES = 256L * 1024 * 1024;
    public static final int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 10_000;
    public static final long DEFAULT_MAX_FILE_BYTES = 100L * 1024 * 1024;
    public static final int DEFAULT_MAX_FILES = 5;
    public static final int DEFAULT_MAX_BACKOFF_MILLIS = 30_000;
    /** A URL file holds one URL: anything larger is the wrong file. */
    public static final int MAX_URL_FILE_BYTES = 8192;
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public OutputConfig {
        minPriority = minPriority != null ? minPriority : "debug";
        format = format != null ? format : "json";
        rules = rules != null ? List.copyOf(rules) : List.of();
        tags = tags != null ? List.copyOf(tags) : List.of();
        queueCapacity = queueCapacity != null ? queueCapacity : DEFAULT_QUEUE_CAPACITY;
        spoolMaxBytes = spoolMaxBytes != null ? spoolMaxBytes : DEFAULT_SPOOL_MAX_BYTES;
        facility = facility != null ? facility : "local0";
        insecureSkipVerify = insecureSkipVerify != null ? insecureSkipVerify : Boolean.FALSE;
        connectTimeoutMillis = connectTimeoutMillis != null ? connectTimeoutMillis : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        requestTimeoutMillis = requestTimeoutMillis != null ? requestTimeoutMillis : DEFAULT_REQUEST_TIMEOUT_MILLIS;
        maxFileBytes = maxFileBytes != null ? maxFileBytes : DEFAULT_MAX_FILE_BYTES;
        maxFiles = maxFiles != null ? maxFiles : DEFAULT_MAX_FILES;
        maxBackoffMillis = maxBackoffMillis != null ? maxBackoffMillis : DEFAULT_MAX_BACKOFF_MILLIS;
        kafkaKey = kafkaKey != null ? kafkaKey : "container";
        properties = properties != null ? Map.copyOf(properties) : Map.of();
    }

    /** The original four keys; everything else defaulted. */
    public OutputConfig(String type, String url, String path, String minPriority) {
        this(type, url, path, minPriority, null, null, null, null, null, null, null, null, null, null, null, null,
            null, null, null, null, null);
    }

    public static OutputConfig of(String type, String url, String path) {
        return new OutputConfig(type, url, path, null);
    }

    /** The sink's name before the dispatcher makes it unique. */
    public String nameOrType() {
        return name != null ? name : type;
    }

    public OutputConfig withName(String v) {
        return new OutputConfig(type, url, path, minPriority, v, format, rules, tags, queueCapacity, spoolMaxBytes,
            facility, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis, maxFileBytes, maxFiles,
            maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    public OutputConfig withQueue(int capacity, long spoolBytes) {
        return new OutputConfig(type, url, path, minPriority, name, format, rules, tags, capacity, spoolBytes,
            facility, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis, maxFileBytes, maxFiles,
            maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    public OutputConfig withTimeouts(int connectMillis, int requestMillis, int maxBackoff) {
        return new OutputConfig(type, url, path, minPriority, name, format, rules, tags, queueCapacity, spoolMaxBytes,
            facility, caFile, insecureSkipVerify, connectMillis, requestMillis, maxFileBytes, maxFiles,
            maxBackoff, kafkaKey, properties, urlFile);
    }

    public OutputConfig withFilter(String minPriorityName, List<String> ruleNames, List<String> tagNames) {
        return new OutputConfig(type, url, path, minPriorityName, name, format, ruleNames, tagNames, queueCapacity,
            spoolMaxBytes, facility, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis,
            maxFileBytes, maxFiles, maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    public OutputConfig withTls(String caFilePath, boolean insecure) {
        return new OutputConfig(type, url, path, minPriority, name, format, rules, tags, queueCapacity, spoolMaxBytes,
            facility, caFilePath, insecure, connectTimeoutMillis, requestTimeoutMillis, maxFileBytes, maxFiles,
            maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    public OutputConfig withSyslog(String bodyFormat, String facilityName) {
        return new OutputConfig(type, url, path, minPriority, name, bodyFormat, rules, tags, queueCapacity,
            spoolMaxBytes, facilityName, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis,
            maxFileBytes, maxFiles, maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    public OutputConfig withRotation(long maxBytes, int files) {
        return new OutputConfig(type, url, path, minPriority, name, format, rules, tags, queueCapacity, spoolMaxBytes,
            facility, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis, maxBytes, files,
            maxBackoffMillis, kafkaKey, properties, urlFile);
    }

    void validate(int index, List<String> errors) {
        String key = "outputs[" + index + "]";
        if (type == null) {
            errors.add(key + ".type is required (stdout, file, syslog, http, kafka)");
            return;
        }
        switch (type) {
            case "stdout" -> { }
            case "file" -> {
                if (path == null || path.isBlank()) {
                    errors.add(key + ".path is required for a file output");
                }
            }
            case "syslog", "http", "kafka" -> {
                if (urlFile != null && url != null) {
                    errors.add(key + ": url and urlFile are exclusive (urlFile keeps a secret URL out of the config)");
                } else if (urlFile != null) {
                    checkUrlFile(key, errors);
                } else if (url == null || url.isBlank()) {
                    errors.add(key + ".url (or urlFile) is required for a " + type + " output");
                }
            }
            default -> errors.add(key + ".type must be one of stdout, file, syslog, http, kafka, got '" + type + "'");
        }
        try {
            dev.vigil.alert.Priority.parse(minPriority);
        } catch (IllegalArgumentException e) {
            errors.add(key + ".minPriority must be a Falco priority, got '" + minPriority + "'");
        }
        if (name != null && !NAME.matcher(name).matches()) {
            errors.add(key + ".name must be 1-64 characters of [A-Za-z0-9_.-], got '" + name + "'");
        }
        if (!format.equals("json") && !format.equals("cef")) {
            errors.add(key + ".format must be json or cef, got '" + format + "'");
        }
        if (queueCapacity < 1) {
            errors.add(key + ".queueCapacity must be > 0");
        }
        if (spoolMaxBytes < 64 * 1024) {
            errors.add(key + ".spoolMaxBytes must be >= 65536");
        }
        if (!List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp", "cron", "authpriv",
            "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2", "local3", "local4", "local5",
            "local6", "local7").contains(facility)) {
            errors.add(key + ".facility must be a syslog facility name (e.g. local0), got '" + facility + "'");
        }
        if (connectTimeoutMillis < 1) {
            errors.add(key + ".connectTimeoutMillis must be > 0");
        }
        if (requestTimeoutMillis < 1) {
            errors.add(key + ".requestTimeoutMillis must be > 0");
        }
        if (maxFileBytes < 4096) {
            errors.add(key + ".maxFileBytes must be >= 4096");
        }
        if (maxFiles < 0) {
            errors.add(key + ".maxFiles must be >= 0");
        }
        if (maxBackoffMillis < 100) {
            errors.add(key + ".maxBackoffMillis must be >= 100");
        }
        if (!kafkaKey.equals("container") && !kafkaKey.equals("rule")) {
            errors.add(key + ".kafkaKey must be container or rule, got '" + kafkaKey + "'");
        }
        if (caFile != null && !java.nio.file.Files.isReadable(java.nio.file.Path.of(caFile))) {
            errors.add(key + ".caFile " + caFile + " is not a readable file");
        }
        if (urlFile != null && !List.of("syslog", "http", "kafka").contains(type)) {
            errors.add(key + ".urlFile is for syslog, http and kafka outputs, not " + type);
        }
    }

    private void checkUrlFile(String key, List<String> errors) {
        try {
            resolveUrl();
        } catch (IOException e) {
            errors.add(key + ".urlFile " + e.getMessage());
        }
    }

    /**
     * The destination: {@code url}, or the content of {@code urlFile} without its surrounding white space (a
     * Secret's value written with {@code --from-file} ends in a newline). The file's content is never put in a
     * message: it may carry a token.
     *
     * @throws IOException the file is missing, unreadable, empty, over {@link #MAX_URL_FILE_BYTES} or holds
     *                     more than one line
     */
    public String resolveUrl() throws IOException {
        if (urlFile == null) {
            return url;
        }
        Path file = Path.of(urlFile);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException(urlFile + " is not a readable file");
        }
        if (Files.size(file) > MAX_URL_FILE_BYTES) {
            throw new IOException(urlFile + " is larger than " + MAX_URL_FILE_BYTES + " bytes (a URL is expected)");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.lines().count() != 1) {
            throw new IOException(urlFile + " must hold one URL on one line");
        }
        return text;
    }
}
