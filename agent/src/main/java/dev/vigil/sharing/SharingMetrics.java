package dev.vigil.sharing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The shared baselines' meters, bound once (a count allocates nothing): what was published, retried,
 * deferred (by reason) and spooled; what was received (by result) and refused (by reason); the start's
 * load. Thread-safe.
 */
final class SharingMetrics {
    /** Why a learned tuple was not published when learned. */
    enum Deferred { queue_full, spool_full, too_large }

    /** What a received tuple did to this node's store. */
    enum Received { learned, known, capped, window }

    private final Counter published;
    private final Counter retries;
    private final Map<Deferred, Counter> deferred = new EnumMap<>(Deferred.class);
    private final Map<Received, Counter> received = new EnumMap<>(Received.class);
    private final Map<SharedRecord.Reject, Counter> rejected = new EnumMap<>(SharedRecord.Reject.class);
    private final AtomicLong loadMillis = new AtomicLong();
    private final AtomicLong loadComplete = new AtomicLong();

    SharingMetrics(MeterRegistry r) {
        published = Counter.builder("vigil.baselines.shared.published")
            .description("learned tuples published to the shared-baselines topic (acknowledged by the brokers)").register(r);
        retries = Counter.builder("vigil.baselines.shared.publish.retries")
            .description("publish attempts that failed (brokers unreachable or refusing); the tuples stay spooled")
            .register(r);
        for (Deferred d : Deferred.values()) {
            deferred.put(d, Counter.builder("vigil.baselines.shared.deferred").tag("reason", d.name())
                .description("learned tuples not published when learned, by reason (queue_full, spool_full: "
                    + "published from the state file at the next start; too_large: never)").register(r));
        }
        for (Received x : Received.values()) {
            received.put(x, Counter.builder("vigil.baselines.shared.received").tag("result", x.name())
                .description("records read from the shared-baselines topic, by what they did here").register(r));
        }
        for (SharedRecord.Reject x : SharedRecord.Reject.values()) {
            rejected.put(x, Counter.builder("vigil.baselines.shared.rejected").tag("reason", x.name())
                .description("records of the shared-baselines topic refused, by reason").register(r));
        }
        Gauge.builder("vigil.baselines.shared.load.duration", loadMillis, m -> m.get() / 1000.0).baseUnit("seconds")
            .description("how long the start's read of the shared-baselines topic took").register(r);
        Gauge.builder("vigil.baselines.shared.load.complete", loadComplete, AtomicLong::get)
            .description("1 when the start's read reached the topic's end, 0 when it timed out (or has not run)")
            .register(r);
    }

    void spooled(MeterRegistry r, Supplier<Number> records) {
        Gauge.builder("vigil.baselines.shared.spooled", records, s -> s.get().doubleValue())
            .description("learned tuples waiting in the disk spool for the brokers").strongReference(true).register(r);
    }

    void inbox(MeterRegistry r, Supplier<Number> records) {
        Gauge.builder("vigil.baselines.shared.inbox", records, s -> s.get().doubleValue())
            .description("records received and waiting for the pipeline thread").strongReference(true).register(r);
    }

    void published(int n) {
        published.increment(n);
    }

    double publishedCount() {
        return published.count();
    }

    void retry() {
        retries.increment();
    }

    void deferred(Deferred why) {
        deferred.get(why).increment();
    }

    void received(Received what) {
        received.get(what).increment();
    }

    void rejected(SharedRecord.Reject why) {
        rejected.get(why).increment();
    }

    void loaded(long millis, boolean complete) {
        loadMillis.set(millis);
        loadComplete.set(complete ? 1 : 0);
    }
}
