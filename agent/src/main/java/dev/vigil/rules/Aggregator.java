package dev.vigil.rules;

import dev.vigil.event.Event;
import io.micrometer.core.instrument.Counter;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one rule's {@code aggregate: {by, window, count}}: per key (the {@code by} values), a
 * sliding window of {@link #BUCKETS} buckets; the rule fires when the window holds at least
 * {@code count} matches, then stays quiet for one window (one alert per key per window, carrying the
 * count). Memory is bounded: keys idle for a window expire, and beyond {@code maxKeys} the least
 * recently used key is evicted (counted in {@code vigil.rules.aggregate.keys.evicted}).
 * Threading: the matching thread only. Allocates only for matching events.
 */
final class Aggregator {
    static final int BUCKETS = 10;

    private final List<OutputField> by;
    private final long windowNanos;
    private final long bucketNanos;
    private final int threshold;
    private final int maxKeys;
    private final Counter evicted;
    private final LinkedHashMap<String, Window> keys = new LinkedHashMap<>(64, 0.75f, true);

    private static final class Window {
        final int[] counts = new int[BUCKETS];
        long bucket = Long.MIN_VALUE;
        long quietUntil = Long.MIN_VALUE;
        long lastSeen;
    }

    Aggregator(List<String> byFields, long windowNanos, int threshold, int maxKeys, Counter evicted) {
        this.by = byFields.stream().map(OutputField::of).toList();
        this.windowNanos = windowNanos;
        this.bucketNanos = Math.max(1, windowNanos / BUCKETS);
        this.threshold = threshold;
        this.maxKeys = maxKeys;
        this.evicted = evicted;
    }

    List<String> byFields() {
        return by.stream().map(f -> f.name).toList();
    }

    /** Counts a match; returns the window's count when the rule fires, else -1. */
    long offer(Event e, long now) {
        StringBuilder sb = new StringBuilder();
        for (OutputField f : by) {
            sb.append(f.text(e, -1)).append('\u0000');
        }
        String key = sb.toString();
        Window w = keys.get(key);
        if (w == null) {
            expire(now);
            if (keys.size() >= maxKeys) {
                Iterator<Map.Entry<String, Window>> it = keys.entrySet().iterator();
                it.next();
                it.remove();
                evicted.increment();
            }
            w = new Window();
            keys.put(key, w);
        }
        w.lastSeen = now;
        long b = Math.floorDiv(now, bucketNanos);
        if (w.bucket == Long.MIN_VALUE || b - w.bucket >= BUCKETS) {
            java.util.Arrays.fill(w.counts, 0);
            w.bucket = b;
        } else if (b > w.bucket) {
            for (long x = w.bucket + 1; x <= b; x++) {
                w.counts[(int) Math.floorMod(x, (long) BUCKETS)] = 0;
            }
            w.bucket = b;
        }
        // An event older than the newest bucket (out of order) counts in the newest.
        w.counts[(int) Math.floorMod(w.bucket, (long) BUCKETS)]++;
        long sum = 0;
        for (int c : w.counts) {
            sum += c;
        }
        if (sum >= threshold && now >= w.quietUntil) {
            w.quietUntil = now + windowNanos;
            return sum;
        }
        return -1;
    }

    /** Drops keys idle for longer than the window (oldest first, in access order). */
    private void expire(long now) {
        Iterator<Window> it = keys.values().iterator();
        while (it.hasNext()) {
            Window w = it.next();
            if (now - w.lastSeen <= windowNanos) {
                break;
            }
            it.remove();
        }
    }

    int liveKeys() {
        return keys.size();
    }
}
