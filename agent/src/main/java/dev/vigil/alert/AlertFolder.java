package dev.vigil.alert;

import dev.vigil.config.AlertsConfig;
import java.time.Clock;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Folds duplicate alerts and rate-limits each rule in each container before the sinks, never silently.
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
 * <p><b>Rate limit.</b> A token bucket per rule <em>and container</em> ({@code container.id}; one
 * bucket for alerts without one) with {@code rateLimitPerSecond}, {@code rateLimitBurst}, after dedup.
 * The container, not the whole dedup key: a process in a container chooses its own name and command
 * line, so a bucket per dedup key would let it flood past the limit with ever new names; it does not
 * choose its container, so its flood empties only its own container's bucket and never hides another
 * container's alert (issue 16, finding 1). An alert finding its bucket empty is counted suppressed and
 * remembered by its dedup key: the first refused alert of each key and how many followed it, at most
 * {@value #MAX_KEYS_PER_SUMMARY} keys a bucket and {@code maxDedupKeys} in all (beyond, counted in
 * {@code vigil.alerts.ratelimit.unlisted}). Once per summary period while any are pending, {@link #sweep}
 * sends the bucket's summary (reason {@code rate_limit}): the first refused alert with a new uuid, the
 * count, {@code vigil.suppressed_keys} (keys folded) and {@code vigil.suppressed_by_key} (one line a
 * key: {@code N× key fields: first refused alert's output}). At most {@code maxDedupKeys} buckets are
 * held; an idle full bucket is dropped by the sweep, and beyond the cap the least recently used is
 * evicted ({@code vigil.alerts.ratelimit.evicted}), its summary sent early. Summaries bypass the buckets.
 *
 * <p>Time is the injected {@link Clock}'s wall time, not event time: a replayed recording is folded
 * by when it is processed.
 *
 * <p>Lifecycle: {@link #start} starts its sweeper {@code vigil-alert-sweep} ({@link #sweep} once a
 * second); {@link #close} stops it and sends every pending summary downstream (idempotent), before the
 * outputs flush. Tests drive {@link #sweep} by hand with a fake clock instead.
 *
 * <p>Thread-safe: {@link #emit} (pipeline thread, the identity wait's worker) and {@link #sweep} (the
 * sweeper) serialize on this object; the downstream emitter is called under that lock, so it sees one
 * thread at a time.
 */
public final class AlertFolder implements AlertEmitter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AlertFolder.class);
    public static final String COUNT_FIELD = "vigil.suppressed_count";
    public static final String REASON_FIELD = "vigil.suppressed_reason";
    /** Distinct dedup keys a rate-limit summary folded. */
    public static final String KEYS_FIELD = "vigil.suppressed_keys";
    /** A rate-limit summary's keys, one line each: {@code N× field=value …: first refused alert's output}. */
    public static final String BY_KEY_FIELD = "vigil.suppressed_by_key";
    /** Refused alerts a rate-limit summary counts but whose key it could not list (the caps). */
    public static final String UNLISTED_FIELD = "vigil.suppressed_unlisted";
    /** The rate limit's bucket key: who cannot choose it (a process chooses its name, not its container). */
    static final String BUCKET_FIELD = "container.id";
    /** Keys one rate-limit summary lists: it stays one readable alert (a syslog message, a CEF line). */
    static final int MAX_KEYS_PER_SUMMARY = 32;
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

    /** One rule's and container's token bucket and the alerts it refused since its last summary. */
    private static final class Bucket {
        double tokens;
        long refilledMillis;
        long lastSummaryMillis;
        long refused;
        /** Refused alerts counted but not listed by key (a cap was reached). */
        long unlisted;
        /** The first refused alert since the last summary: the summary's body. */
        Alert first;
        /** Dedup key → the first refused alert of that key and how many were refused; in arrival order. */
        final LinkedHashMap<String, Refused> byKey = new LinkedHashMap<>();

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledMillis = now;
            this.lastSummaryMillis = now;
        }
    }

    /** The first refused alert of one dedup key, and the count of refused alerts of that key. */
    private static final class Refused {
        final Alert first;
        long count = 1;

        Refused(Alert first) {
            this.first = first;
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
    /** Access order: the least recently used bucket is evicted at the cap. */
    private final LinkedHashMap<String, Bucket> buckets = new LinkedHashMap<>(64, 0.75f, true);
    /** Refused keys held across all buckets, at most {@code maxKeys}. */
    private int refusedKeys;
    private final StringBuilder key = new StringBuilder(128);
    private ScheduledExecutorService sweeper;
    private boolean closed;

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

    /** Starts the sweeper: summaries go out about once a second when due. */
    public synchronized AlertFolder start() {
        if (sweeper == null && !closed) {
            sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "vigil-alert-sweep");
                t.setDaemon(true);
                return t;
            });
            sweeper.scheduleWithFixedDelay(this::sweepLogged, 1, 1, TimeUnit.SECONDS);
        }
        return this;
    }

    private void sweepLogged() {
        try {
            sweep();
        } catch (RuntimeException e) {
            LOG.error("alert summary sweep failed", e);
        }
    }

    /** Stops the sweeper and sends every pending summary downstream. Idempotent. */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            s = sweeper;
        }
        if (s != null) {
            s.shutdownNow();
        }
        flushSummaries();
    }

    /** Counts the alert and passes it on, or folds it. */
    @Override
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
        Map<String, Object> f = a.outputFields();
        Object container = f == null ? null : f.get(BUCKET_FIELD);
        String k = container == null ? a.rule() : a.rule() + '\u0000' + container;
        Bucket b = buckets.get(k);
        if (b == null) {
            if (buckets.size() >= maxKeys) {
                Iterator<Bucket> it = buckets.values().iterator();
                Bucket eldest = it.next();
                it.remove();
                metrics.rateLimitEvicted();
                if (eldest.refused > 0) {
                    summarize(eldest, now);
                }
            }
            b = new Bucket(burst, now);
            buckets.put(k, b);
        }
        b.tokens = Math.min(burst, b.tokens + (now - b.refilledMillis) * ratePerMilli);
        b.refilledMillis = now;
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return true;
        }
        refuse(b, a);
        return false;
    }

    private void refuse(Bucket b, Alert a) {
        metrics.suppressed(a.rule());
        if (b.refused++ == 0) {
            b.first = a;
        }
        String k = dedupKey(a);
        Refused r = b.byKey.get(k);
        if (r != null) {
            r.count++;
        } else if (b.byKey.size() < MAX_KEYS_PER_SUMMARY && refusedKeys < maxKeys) {
            b.byKey.put(k, new Refused(a));
            refusedKeys++;
        } else {
            b.unlisted++;
            metrics.unlisted();
        }
    }

    /** The alert's {@code dedupKeys} values, NUL-separated (a map key, never shown). */
    private String dedupKey(Alert a) {
        Map<String, Object> f = a.outputFields();
        StringBuilder sb = new StringBuilder(64);
        for (String k : keyFields) {
            sb.append(f == null ? null : f.get(k)).append('\u0000');
        }
        return sb.toString();
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
        Iterator<Bucket> held = buckets.values().iterator();
        while (held.hasNext()) {
            Bucket b = held.next();
            if (b.refused > 0 && now - b.lastSummaryMillis >= summaryPeriodMillis) {
                summarize(b, now);
            }
            if (b.refused == 0 && b.tokens + (now - b.refilledMillis) * ratePerMilli >= burst) {
                // Full again and nothing pending: a new bucket would be the same.
                held.remove();
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

    /** Rate-limit buckets (rule and container) held. */
    public synchronized int rateLimitBuckets() {
        return buckets.size();
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
        Alert first = b.first;
        StringBuilder lines = new StringBuilder(128 * b.byKey.size());
        for (Refused r : b.byKey.values()) {
            if (lines.length() > 0) {
                lines.append('\n');
            }
            lines.append(r.count).append("\u00d7");
            Map<String, Object> f = r.first.outputFields();
            for (String k : keyFields) {
                lines.append(' ').append(k).append('=').append(f == null ? null : f.get(k));
            }
            lines.append(": ").append(r.first.output());
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        if (first.outputFields() != null) {
            fields.putAll(first.outputFields());
        }
        fields.put(COUNT_FIELD, b.refused);
        fields.put(REASON_FIELD, "rate_limit");
        fields.put(KEYS_FIELD, (long) b.byKey.size());
        fields.put(BY_KEY_FIELD, lines.toString());
        if (b.unlisted > 0) {
            fields.put(UNLISTED_FIELD, b.unlisted);
        }
        Object container = fields.get(BUCKET_FIELD);
        String text = first.output() + " (" + b.refused + " alerts of this rule"
            + (container == null ? "" : " in container " + container) + " suppressed by the rate limit in the last "
            + seconds + "s, " + b.byKey.size() + (b.byKey.size() == 1 ? " key" : " keys")
            + (b.unlisted > 0 ? " listed and " + b.unlisted + " alerts unlisted" : "") + ")";
        emitSummary(first, fields, text);
        refusedKeys -= b.byKey.size();
        b.byKey.clear();
        b.refused = 0;
        b.unlisted = 0;
        b.first = null;
        b.lastSummaryMillis = now;
    }

    private void emitSummary(Alert last, long count, String reason, long seconds) {
        Map<String, Object> fields = new LinkedHashMap<>();
        if (last.outputFields() != null) {
            fields.putAll(last.outputFields());
        }
        fields.put(COUNT_FIELD, count);
        fields.put(REASON_FIELD, reason);
        emitSummary(last, fields, last.output() + " (" + count + " similar alerts suppressed in the last " + seconds
            + "s)");
    }

    private void emitSummary(Alert base, Map<String, Object> fields, String output) {
        Alert s = new Alert(UUID.randomUUID().toString(), base.timeNanos(), base.rule(), base.priority(),
            base.source(), base.tags(), base.hostname(), output, fields);
        metrics.summary();
        downstream.emit(s);
    }
}
