package dev.vigil.output;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Supplier;

/**
 * One sink's delivery meters, bound once: {@code vigil.output.sent{output}},
 * {@code vigil.output.failed{output,reason}} (reason: permanent, spool_full, encode, closed),
 * {@code vigil.output.retries{output}}, {@code vigil.output.spool.corrupt{output}}, and the gauges
 * {@code vigil.output.spooled{output}} (records waiting on disk) and {@code vigil.output.queued{output}}.
 * Thread-safe.
 */
public final class OutputMetrics {
    public enum FailReason { permanent, spool_full, encode, closed }

    private final Counter sent;
    private final Counter[] failed = new Counter[FailReason.values().length];
    private final Counter retries;
    private final Counter corrupt;

    OutputMetrics(MeterRegistry registry, String output, Supplier<Number> spooled, Supplier<Number> queued) {
        sent = Counter.builder("vigil.output.sent").description("alerts delivered").tag("output", output)
            .register(registry);
        for (FailReason r : FailReason.values()) {
            failed[r.ordinal()] = Counter.builder("vigil.output.failed")
                .description("alerts that will never be delivered, by reason").tag("output", output)
                .tag("reason", r.name()).register(registry);
        }
        retries = Counter.builder("vigil.output.retries").description("failed delivery attempts that will be retried")
            .tag("output", output).register(registry);
        corrupt = Counter.builder("vigil.output.spool.corrupt")
            .description("spool records found torn or corrupt and skipped").tag("output", output).register(registry);
        Gauge.builder("vigil.output.spooled", spooled).description("alerts waiting in the disk spool")
            .tag("output", output).register(registry);
        Gauge.builder("vigil.output.queued", queued).description("alerts waiting in the memory queue")
            .tag("output", output).register(registry);
    }

    void sent(int n) {
        sent.increment(n);
    }

    void failed(FailReason reason, int n) {
        failed[reason.ordinal()].increment(n);
    }

    void retry() {
        retries.increment();
    }

    void corrupt(long n) {
        corrupt.increment(n);
    }
}
