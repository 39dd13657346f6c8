package dev.vigil.alert;

import dev.vigil.config.AlertsConfig;
import java.time.Clock;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Folds duplicate alerts and rate-limits each rule before the sinks, never silently.
 *
 * <p><b>Dedup.</b> Alerts of the same rule whose {@code dedupKeys} output fields (default
 * {@code container.id}, {@code proc.name}) are equal, within {@code dedupPeriod} of the first, are
 * folded: the first goes through, the others are counted ({@code vigil.alerts.suppressed{rule}}), and
 * when the period ends ({@link #sweep}) one summary alert follows: the last folded alert with a new
 * uuid, {@code output_fields} {@code vigil.suppressed_count} (N) and {@code vigil.suppressed_reason}
 * ({@code dedup}), and {@code " (N similar alerts suppressed in the last 60s)"} appended to its output.
 * A baseline learning summary carries no container: its {@code baseline.rule} and {@code baseline.scope}
 * join its key, so each scope's summary goes through (they come together, when learning ends).
 * At most {@code maxDedupKeys} keys are held; the oldest is evicted beyond it, its summary sent early.
 *
 * <p><b>Rate limit.</b> A token bucket per rule ({@code rateLimitPerSecond}, {@code rateLimitBurst})
 * after dedup; an alert finding the bucket empty is counted suppressed, and a summary (reason
 * {@code rate_limit}) for the rule is sent by {@link #sweep} once per summary period while any are
 * pending. Summaries bypass the bucket.
 *
 * <p>Time is the injected {@link Clock}'s wall time, not event time: a replayed recording is folded
 * by when it is processed. Thread-safe: {@link #emit} (pipeline thread) and {@link #sweep} (the
 * dispatcher's sweeper) serialize on this object; the downstream emitter is called under that lock.
 */
public final class AlertFolder {
    public static final String COUNT_FIELD = "vigil.suppressed_count";
    public static final String REASON_FIELD = "vigil.suppressed_reason";
    /** A learning summary's scope: with its {@code baseline.rule}, part of its dedup key (one summary per scope). */
    static final String SCOPE_FIELD = "baseline.scope";

    /** One dedup key's current period. */
    private static final class Window {
        final long startMillis;
        long suppressed;
        Alert last;

        Window(long startMillis) {
            this.startMillis = startMillis;
        }
    }

    /** One rule's token bucket and the alerts it refused since the last summary. */
    private static final class Bucket {
        double tokens;
        long refilledMillis;
        long refused;
        Alert last;
        long lastSummaryMillis;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledMillis = now;
            this.lastSummaryMillis = now;
        }
    }

    private final Clock clock;
    private final AlertMetrics metrics;
    private final AlertEmitter downstream;
    private final long periodMillis;
    private final List<String> keyFields;
    private final int maxKeys;
    private final double ratePerMilli;
    private final int burst;
    private final long summaryPeriodMillis;
    /** Insertion order = period start order: the sweep stops at the first live window. */
    private final LinkedHashMap<String, Window> windows = new LinkedHashMap<>();
    private final Map<String, Bucket> buckets = new HashMap<>();
    private final StringBuilder key = new StringBuilder(128);

    public AlertFolder(AlertsConfig config, Clock clock, AlertMetrics metrics, AlertEmitter downstream) {
        this.clock = clock;
        this.metrics = metrics;
        this.downstream = downstream;
        this.periodMillis = config.dedupPeriodSeconds() * 1000L;
        this.keyFields = config.dedupKeys();
        this.maxKeys = config.maxDedupKeys();
        this.ratePerMilli = config.rateLimitPerSecond() / 1000.0;
        this.burst = config.rateLimitBurst();
        this.summaryPeriodMillis = periodMillis > 0 ? periodMillis : 60_000L;
    }

    /** Counts the alert and passes it on, or folds it. */
    public synchronized void emit(Alert a) {
        metrics.raised(a);
        long now = clock.millis();
        if (periodMillis > 0 && folded(a, now)) {
            return;
        }
        if (ratePerMilli > 0 && !take(a, now)) {
            return;
        }
        downstream.emit(a);
    }

    private boolean folded(Alert a, long now) {
        key.setLength(0);
        key.append(a.rule());
        Map<String, Object> f = a.outputFields();
        for (String k : keyFields) {
            key.append('\u0000').append(f == null ? null : f.get(k));
        }
        Object scope = f == null ? null : f.get(SCOPE_FIELD);
        if (scope != null) {
            key.append('\u0000').append(f.get("baseline.rule")).append('\u0000').append(scope);
        }
        String k = key.toString();
        Window w = windows.get(k);
        if (w != null && now - w.startMillis < periodMillis) {
            w.suppressed++;
            w.last = a;
            metrics.suppressed(a.rule());
            return true;
        }
        if (w != null) {
            windows.remove(k);
            summarize(w, now, "dedup");
        }
        if (windows.size() >= maxKeys) {
            Iterator<Window> it = windows.values().iterator();
            Window eldest = it.next();
            it.remove();
            metrics.evicted();
            summarize(eldest, now, "dedup");
        }
        windows.put(k, new Window(now));
        return false;
    }

    private boolean take(Alert a, long now) {
        Bucket b = buckets.get(a.rule());
        if (b == null) {
            b = new Bucket(burst, now);
            buckets.put(a.rule(), b);
        }
        b.tokens = Math.min(burst, b.tokens + (now - b.refilledMillis) * ratePerMilli);
        b.refilledMillis = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return true;
        }
        b.refused++;
        b.last = a;
        metrics.suppressed(a.rule());
        return false;
    }

    /** Sends the summaries that are due. Called about once a second. */
    public synchronized void sweep() {
        long now = clock.millis();
        Iterator<Window> it = windows.values().iterator();
        while (it.hasNext()) {
            Window w = it.next();
            if (now - w.startMillis < periodMillis) {
                break;
            }
            it.remove();
            summarize(w, now, "dedup");
        }
        for (Bucket b : buckets.values()) {
            if (b.refused > 0 && now - b.lastSummaryMillis >= summaryPeriodMillis) {
                summarize(b, now);
            }
        }
    }

    /** Sends every pending summary now (shutdown). */
    public synchronized void flushSummaries() {
        long now = clock.millis();
        for (Window w : windows.values()) {
            summarize(w, now, "dedup");
        }
        windows.clear();
        for (Bucket b : buckets.values()) {
            if (b.refused > 0) {
                summarize(b, now);
            }
        }
    }

    /** Dedup keys held. */
    public synchronized int keys() {
        return windows.size();
    }

    private void summarize(Window w, long now, String reason) {
        if (w.suppressed > 0) {
            long seconds = Math.max(1, Math.min(now - w.startMillis, periodMillis) / 1000);
            emitSummary(w.last, w.suppressed, reason, seconds);
        }
    }

    private void summarize(Bucket b, long now) {
        long seconds = Math.max(1, (now - b.lastSummaryMillis) / 1000);
        emitSummary(b.last, b.refused, "rate_limit", seconds);
        b.refused = 0;
        b.last = null;
        b.lastSummaryMillis = now;
    }

    private void emitSummary(Alert last, long count, String reason, long seconds) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (last.outputFields() != null) {
            fields.putAll(last.outputFields());
        }
        fields.put(COUNT_FIELD, count);
        fields.put(REASON_FIELD, reason);
        String what = reason.equals("dedup") ? " similar alerts suppressed in the last "
            : " alerts of this rule suppressed by the rate limit in the last ";
        Alert s = new Alert(UUID.randomUUID().toString(), last.timeNanos(), last.rule(), last.priority(), last.source(),
            last.tags(), last.hostname(), last.output() + " (" + count + what + seconds + "s)", fields);
        metrics.summary();
        downstream.emit(s);
    }
}
