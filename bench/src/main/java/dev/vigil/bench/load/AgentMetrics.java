package dev.vigil.bench.load;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the agent's Prometheus {@code /metrics}: the event counters and the
 * {@code vigil_event_latency_seconds} histogram, and turns two snapshots into a delta with
 * percentiles interpolated within the histogram's buckets.
 */
final class AgentMetrics {
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI uri;

    AgentMetrics(String url) {
        this.uri = URI.create(url);
    }

    /** One scrape: the counters, and the latency histogram's cumulative bucket counts by upper bound. */
    record Snapshot(long received, long processed, long rejected, long dropped, TreeMap<Double, Long> latencyBuckets,
                    double latencySumSeconds, long latencyCount) {
        /** Every line received is accounted for: what {@code /metrics} shows when the agent is idle. */
        boolean balanced() {
            return received == processed + rejected + dropped;
        }
    }

    Snapshot scrape() throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(uri + " answered " + r.statusCode());
        }
        return parse(r.body());
    }

    static Snapshot parse(String text) {
        long received = 0;
        long processed = 0;
        long rejected = 0;
        long dropped = 0;
        double sum = 0;
        long count = 0;
        TreeMap<Double, Long> buckets = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            if (sp < 0) {
                continue;
            }
            String name = line.substring(0, sp);
            double v = Double.parseDouble(line.substring(sp + 1));
            if (name.equals("vigil_events_received_total")) {
                received = (long) v;
            } else if (name.equals("vigil_events_processed_total")) {
                processed = (long) v;
            } else if (name.startsWith("vigil_events_rejected_total")) {
                rejected += (long) v;
            } else if (name.equals("vigil_events_dropped_total")) {
                dropped = (long) v;
            } else if (name.startsWith("vigil_event_latency_seconds_bucket{")) {
                int le = name.indexOf("le=\"");
                String bound = name.substring(le + 4, name.indexOf('"', le + 4));
                buckets.put(bound.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(bound), (long) v);
            } else if (name.equals("vigil_event_latency_seconds_sum")) {
                sum = v;
            } else if (name.equals("vigil_event_latency_seconds_count")) {
                count = (long) v;
            }
        }
        return new Snapshot(received, processed, rejected, dropped, buckets, sum, count);
    }

    /** Latency figures of the events between two snapshots. */
    record Latency(long count, double meanSeconds, double p50, double p99, double p999, List<String> buckets) {
    }

    static Latency latencyBetween(Snapshot before, Snapshot after) {
        TreeMap<Double, Long> delta = new TreeMap<>();
        for (Map.Entry<Double, Long> e : after.latencyBuckets().entrySet()) {
            delta.put(e.getKey(), e.getValue() - before.latencyBuckets().getOrDefault(e.getKey(), 0L));
        }
        long count = after.latencyCount() - before.latencyCount();
        if (count <= 0 || delta.isEmpty()) {
            return null;
        }
        double mean = (after.latencySumSeconds() - before.latencySumSeconds()) / count;
        List<String> shown = new ArrayList<>();
        for (Map.Entry<Double, Long> e : delta.entrySet()) {
            shown.add("le " + e.getKey() + ": " + e.getValue());
        }
        return new Latency(count, mean, quantile(delta, count, 0.5), quantile(delta, count, 0.99),
            quantile(delta, count, 0.999), shown);
    }

    /**
     * The q-quantile from cumulative bucket counts, interpolated linearly within its bucket (as
     * Prometheus' histogram_quantile does); the largest finite bound when it falls in +Inf.
     */
    static double quantile(TreeMap<Double, Long> cumulative, long count, double q) {
        double rank = q * count;
        double lowerBound = 0;
        long lowerCount = 0;
        for (Map.Entry<Double, Long> e : cumulative.entrySet()) {
            double upper = e.getKey();
            long c = e.getValue();
            if (c >= rank) {
                if (Double.isInfinite(upper)) {
                    return lowerBound;
                }
                long inBucket = c - lowerCount;
                return inBucket == 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
            }
            lowerBound = upper;
            lowerCount = c;
        }
        return lowerBound;
    }
}
