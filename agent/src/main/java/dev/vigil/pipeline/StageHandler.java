package dev.vigil.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Chars;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stages, run in data order on the pipeline thread: decode (a line the publisher left undecoded,
 * see {@link RingPublisher}), enrich (state), match (rules, which hand alerts to the alert stage). On two cores one consumer thread doing all stages
 * beats a hand-off per stage, whose cost exceeds the work (measured: see the README).
 *
 * <p>A stage that throws costs that event its alerts, not the pipeline: the error is counted and
 * the event still counts as processed, so the accounting stays exact.
 *
 * <p>Threading: the pipeline thread only.
 */
final class StageHandler implements EventHandler<Event> {
    private static final Logger log = LoggerFactory.getLogger(StageHandler.class);
    private static final long ERROR_LOG_INTERVAL_NANOS = 10_000_000_000L;

    private final Enricher enricher;
    private final Matcher matcher;
    private final AlertEmitter emitter;
    private final PipelineMetrics metrics;
    private final BatchEndTask batchEndTask;
    private final DeferredDecoder deferred;
    private final PipelineClock clock;
    private long lastErrorLog = Long.MIN_VALUE;
    /** Processed since the counter was last added to (at each batch's end: one add a batch, not an event). */
    private long processedUncounted;
    /**
     * Receive times of the events processed since the clock was last read: their latencies are recorded
     * against the next reading, taken after every {@link PipelineClock#EVENTS_PER_READ}th event and at each
     * batch's end. One read an event was ~5 % of this thread on a churny stream; this way an event's
     * latency is long by at most seven events' processing (µs), never short.
     */
    private final long[] unrecordedReceiveNanos = new long[PipelineClock.EVENTS_PER_READ];
    private int unrecorded;

    StageHandler(DeferredDecoder deferred, Enricher enricher, Matcher matcher, AlertEmitter emitter,
                 PipelineMetrics metrics, BatchEndTask batchEndTask) {
        this(deferred, enricher, matcher, emitter, metrics, batchEndTask, new PipelineClock());
    }

    /** {@code clock}: the stages' "now", advanced here (the one the enricher and rules were built on). */
    StageHandler(DeferredDecoder deferred, Enricher enricher, Matcher matcher, AlertEmitter emitter,
                 PipelineMetrics metrics, BatchEndTask batchEndTask, PipelineClock clock) {
        this.clock = clock;
        this.deferred = deferred;
        this.enricher = enricher;
        this.matcher = matcher;
        this.emitter = emitter;
        this.metrics = metrics;
        this.batchEndTask = batchEndTask;
    }

    @Override
    public void onBatchStart(long batchSize, long queueDepth) {
        clock.advance(); // after a quiet spell the last event's time is old
    }

    @Override
    public void onEvent(Event event, long sequence, boolean endOfBatch) {
        if (event.isUndecoded()) {
            deferred.decode(event); // the publisher's share left to this thread: counted there if rejected
        }
        if (!event.isValid()) {
            if (endOfBatch) {
                runBatchEndTask(event);
            }
            return; // rejected at decode, already counted
        }
        if (event.eventType() == EventTypes.SENSOR_LOST) {
            countSensorLoss(event); // the producer's own report: still matched like any event
        } else if (event.eventType() == EventTypes.SENSOR_THROTTLE) {
            countThrottled(event); // a throttle episode's stop line carries its counts
        }
        try {
            enricher.enrich(event);
            matcher.match(event, emitter);
        } catch (RuntimeException | StackOverflowError e) {
            metrics.error();
            logRarely(e, event);
        }
        processedUncounted++;
        unrecordedReceiveNanos[unrecorded++] = event.receiveNanos();
        if (endOfBatch) {
            runBatchEndTask(event);
        } else if (unrecorded == PipelineClock.EVENTS_PER_READ) {
            recordLatencies(clock.advance()); // and "now" for the events that follow
        }
    }

    private void recordLatencies(long now) {
        for (int i = 0; i < unrecorded; i++) {
            metrics.latency(now - unrecordedReceiveNanos[i]);
        }
        unrecorded = 0;
    }

    /**
     * The ring had nothing for a while (the adaptive wait strategy's idle tick, ~10 a second): the
     * between-batch work runs anyway, so that what other threads prepared (sandbox reads, identities)
     * is applied on a quiet node too (with the clock read anew: {@link #runBatchEndTask} advances it).
     */
    @Override
    public void onTimeout(long sequence) {
        runBatchEndTask(null);
    }

    private void countSensorLoss(Event event) {
        long lost = count(event, LOST_KEY);
        if (lost > 0) {
            metrics.sensorLost(lost);
        }
    }

    private static final String LOST_KEY = "evt.arg.lost";

    private void countThrottled(Event event) {
        long process = count(event, THROTTLED_PROCESS_KEY);
        long security = count(event, THROTTLED_SECURITY_KEY);
        if (process > 0 || security > 0) {
            metrics.sensorThrottled(process, security);
        }
    }

    /** A count the producer sent under key, or 0 when absent, not a number or negative. */
    private static long count(Event event, String key) {
        int i = event.findExtra(key);
        long n = i >= 0 ? event.extraLong(i) : 0;
        return n > 0 && n != Chars.NOT_A_NUMBER ? n : 0;
    }

    private static final String THROTTLED_PROCESS_KEY = "evt.arg.throttled_process";
    private static final String THROTTLED_SECURITY_KEY = "evt.arg.throttled_security";

    private void runBatchEndTask(Event event) {
        if (processedUncounted > 0) {
            metrics.processed(processedUncounted);
            processedUncounted = 0;
        }
        long decoded = deferred.takeUncounted();
        if (decoded > 0) {
            metrics.decodedOnPipelineThread(decoded);
        }
        long now = clock.advance();
        recordLatencies(now);
        try {
            batchEndTask.onBatchEnd(now);
        } catch (RuntimeException e) {
            metrics.error();
            logRarely(e, event);
        }
    }

    private void logRarely(Throwable e, Event event) {
        long now = System.nanoTime();
        if (lastErrorLog == Long.MIN_VALUE || now - lastErrorLog > ERROR_LOG_INTERVAL_NANOS) {
            lastErrorLog = now;
            log.error("stage failed on event {} (further errors within 10 s are only counted)", event, e);
        }
    }
}
