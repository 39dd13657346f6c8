package dev.vigil.config;

import java.util.List;

/**
 * Alert folding and delivery state (YAML: {@code alerts}).
 *
 * @param dedupPeriodSeconds    alerts of one rule with the same {@code dedupKeys} values within this period
 *                              are folded into the first plus one summary alert; 0 turns dedup off; default 60
 * @param dedupKeys             output fields that, with the rule, identify "the same" alert; default
 *                              container.id and proc.name (fields every alert carries)
 * @param maxDedupKeys          dedup entries held; beyond it the oldest is evicted (its summary sent early,
 *                              counted); also the cap on rate-limit buckets and on the refused keys their
 *                              summaries list; default 10000
 * @param rateLimitPerSecond    token bucket refill per rule and container, alerts/s; 0 turns rate limiting off; default 20
 * @param rateLimitBurst        token bucket size per rule and container; default 200
 * @param spoolDir              directory of the sinks' disk spools (one sub-directory per sink, mode 0700);
 *                              default /var/lib/vigil/spool
 * @param identityWaitMillis    how long an alert from a container the runtimes have not resolved yet waits in
 *                              the alert stage for its identity before it is sent anyway (never dropped);
 *                              0 turns the wait off; default 300
 */
public record AlertsConfig(Integer dedupPeriodSeconds, List<String> dedupKeys, Integer maxDedupKeys,
                           Double rateLimitPerSecond, Integer rateLimitBurst, String spoolDir,
                           Integer identityWaitMillis) {
    public static final int DEFAULT_DEDUP_PERIOD_SECONDS = 60;
    public static final List<String> DEFAULT_DEDUP_KEYS = List.of("container.id", "proc.name");
    /** ~300 B an entry: a few MiB at most. */
    public static final int DEFAULT_MAX_DEDUP_KEYS = 10_000;
    public static final double DEFAULT_RATE_LIMIT_PER_SECOND = 20;
    public static final int DEFAULT_RATE_LIMIT_BURST = 200;
    public static final String DEFAULT_SPOOL_DIR = "/var/lib/vigil/spool";
    /**
     * A runtime's create/start event usually reaches the agent within tens of ms of a container's first
     * process; a few hundred ms covers a busy runtime without holding an alert back noticeably.
     */
    public static final int DEFAULT_IDENTITY_WAIT_MILLIS = 300;
    /** Longer than this and an alert is late for the SIEM; a minute is already generous. */
    public static final int MAX_IDENTITY_WAIT_MILLIS = 60_000;

    public AlertsConfig {
        dedupPeriodSeconds = dedupPeriodSeconds != null ? dedupPeriodSeconds : DEFAULT_DEDUP_PERIOD_SECONDS;
        dedupKeys = dedupKeys != null ? List.copyOf(dedupKeys) : DEFAULT_DEDUP_KEYS;
        maxDedupKeys = maxDedupKeys != null ? maxDedupKeys : DEFAULT_MAX_DEDUP_KEYS;
        rateLimitPerSecond = rateLimitPerSecond != null ? rateLimitPerSecond : DEFAULT_RATE_LIMIT_PER_SECOND;
        rateLimitBurst = rateLimitBurst != null ? rateLimitBurst : DEFAULT_RATE_LIMIT_BURST;
        identityWaitMillis = identityWaitMillis != null ? identityWaitMillis : DEFAULT_IDENTITY_WAIT_MILLIS;
        // spoolDir stays null when not set: VigilConfig puts it under state.stateDir.
    }

    /** The alerts config before the identity wait existed (tests, callers that do not care about it). */
    public AlertsConfig(Integer dedupPeriodSeconds, List<String> dedupKeys, Integer maxDedupKeys,
                        Double rateLimitPerSecond, Integer rateLimitBurst, String spoolDir) {
        this(dedupPeriodSeconds, dedupKeys, maxDedupKeys, rateLimitPerSecond, rateLimitBurst, spoolDir, null);
    }

    public static AlertsConfig defaults() {
        return new AlertsConfig(null, null, null, null, null, DEFAULT_SPOOL_DIR);
    }

    public AlertsConfig withSpoolDir(String dir) {
        return new AlertsConfig(dedupPeriodSeconds, dedupKeys, maxDedupKeys, rateLimitPerSecond, rateLimitBurst, dir,
            identityWaitMillis);
    }

    /** No folding, no rate limit: every alert goes through (replay, tests). */
    public static AlertsConfig passThrough(String spoolDir) {
        return new AlertsConfig(0, null, null, 0.0, null, spoolDir);
    }

    public void validate(List<String> errors) {
        if (dedupPeriodSeconds < 0) {
            errors.add("alerts.dedupPeriodSeconds must be >= 0");
        }
        if (maxDedupKeys < 1) {
            errors.add("alerts.maxDedupKeys must be > 0");
        }
        if (rateLimitPerSecond < 0 || rateLimitPerSecond.isNaN()) {
            errors.add("alerts.rateLimitPerSecond must be >= 0");
        }
        if (rateLimitBurst < 1) {
            errors.add("alerts.rateLimitBurst must be > 0");
        }
        if (identityWaitMillis < 0 || identityWaitMillis > MAX_IDENTITY_WAIT_MILLIS) {
            errors.add("alerts.identityWaitMillis must be between 0 and " + MAX_IDENTITY_WAIT_MILLIS);
        }
        if (spoolDir == null || spoolDir.isBlank()) {
            errors.add("alerts.spoolDir must not be empty");
        }
    }
}
