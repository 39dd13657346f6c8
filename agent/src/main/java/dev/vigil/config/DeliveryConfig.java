package dev.vigil.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What every output has, whatever its destination: its name, which alerts it takes (filter), its
 * memory queue and disk spool, and its retry backoff. In YAML these keys stand beside the output's own
 * (flat, as they always did); see docs/outputs.md.
 *
 * @param name             names the sink in metrics ({@code output} tag), thread and spool directory;
 *                         default: the type (made unique with {@code -2}, {@code -3}… by the dispatcher)
 * @param minPriority      least severe priority sent to this sink (Falco's names); default debug (all)
 * @param rules            if set, only alerts of these rules
 * @param tags             if set, only alerts carrying at least one of these tags
 * @param queueCapacity    alerts held in memory before the spool takes them; default 10000
 * @param spoolMaxBytes    disk spool bound; an alert that does not fit is counted failed (spool_full); default 256 MiB
 * @param maxBackoffMillis retry backoff cap (exponential from 100 ms, with jitter); default 30000
 */
public record DeliveryConfig(String name, String minPriority, List<String> rules, List<String> tags,
                             Integer queueCapacity, Long spoolMaxBytes, Integer maxBackoffMillis) {
    public static final String DEFAULT_MIN_PRIORITY = "debug";
    public static final int DEFAULT_QUEUE_CAPACITY = 10_000;
    /** 256 MiB: about 250k alerts of 1 KiB, hours of a heavy alert stream. */
    public static final long DEFAULT_SPOOL_MAX_BYTES = 256L * 1024 * 1024;
    public static final int DEFAULT_MAX_BACKOFF_MILLIS = 30_000;
    /**
     * Falco's priority names as {@code minPriority} takes them (any case, {@code info} for
     * informational): the same names {@code dev.vigil.alert.Priority.parse} reads, which a test holds
     * equal. Listed here so that config, which every stage reads, imports no stage.
     */
    static final Set<String> PRIORITY_NAMES = Set.of("emergency", "alert", "critical", "error", "warning", "notice",
        "informational", "info", "debug");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public DeliveryConfig {
        minPriority = minPriority != null ? minPriority : DEFAULT_MIN_PRIORITY;
        rules = rules != null ? List.copyOf(rules) : List.of();
        tags = tags != null ? List.copyOf(tags) : List.of();
        queueCapacity = queueCapacity != null ? queueCapacity : DEFAULT_QUEUE_CAPACITY;
        spoolMaxBytes = spoolMaxBytes != null ? spoolMaxBytes : DEFAULT_SPOOL_MAX_BYTES;
        maxBackoffMillis = maxBackoffMillis != null ? maxBackoffMillis : DEFAULT_MAX_BACKOFF_MILLIS;
    }

    public static DeliveryConfig defaults() {
        return new DeliveryConfig(null, null, null, null, null, null, null);
    }

    public DeliveryConfig withName(String v) {
        return new DeliveryConfig(v, minPriority, rules, tags, queueCapacity, spoolMaxBytes, maxBackoffMillis);
    }

    public DeliveryConfig withFilter(String minPriorityName, List<String> ruleNames, List<String> tagNames) {
        return new DeliveryConfig(name, minPriorityName, ruleNames, tagNames, queueCapacity, spoolMaxBytes,
            maxBackoffMillis);
    }

    public DeliveryConfig withQueue(int capacity, long spoolBytes) {
        return new DeliveryConfig(name, minPriority, rules, tags, capacity, spoolBytes, maxBackoffMillis);
    }

    public DeliveryConfig withMaxBackoffMillis(int v) {
        return new DeliveryConfig(name, minPriority, rules, tags, queueCapacity, spoolMaxBytes, v);
    }

    /** True if {@code s} is a priority name {@code minPriority} accepts. */
    public static boolean isPriorityName(String s) {
        return PRIORITY_NAMES.contains(s.trim().toLowerCase(Locale.ROOT));
    }

    /** @param key the output's key, {@code outputs[2]} */
    void validate(String key, List<String> errors) {
        if (!isPriorityName(minPriority)) {
            errors.add(key + ".minPriority must be a Falco priority, got '" + minPriority + "'");
        }
        if (name != null && !NAME.matcher(name).matches()) {
            errors.add(key + ".name must be 1-64 characters of [A-Za-z0-9_.-], got '" + name + "'");
        }
        if (queueCapacity < 1) {
            errors.add(key + ".queueCapacity must be > 0");
        }
        if (spoolMaxBytes < 64 * 1024) {
            errors.add(key + ".spoolMaxBytes must be >= 65536");
        }
        if (maxBackoffMillis < 100) {
            errors.add(key + ".maxBackoffMillis must be >= 100");
        }
    }
}
