package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The stages' "now": read after every eighth event and at each batch's end by the stage handler, fresh at
 * each batch's start; the events' latencies end at the reading after them, never before they ended.
 */
class PipelineClockTest {
    private final PipelineClock clock = new PipelineClock();
    /** What the state stage saw as now, and the real time while it ran, per event. */
    private final List<Long> seen = new ArrayList<>();
    private final List<Long> during = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final PipelineMetrics metrics = new PipelineMetrics(registry);
    private final StageHandler stages = new StageHandler(new DeferredDecoder(new EventDecoder(),
        new IngestMetrics(registry)), ev -> {
            seen.add(clock.monotonicTime());
            during.add(System.nanoTime());
        }, NoRules.INSTANCE, a -> { }, metrics, BatchEndTask.NONE, clock);

    @Test
    void withinABatchEachEventSeesATimeNoOlderThanTheEndOfTheEighthEventBeforeIt() {
        int n = 3 * PipelineClock.EVENTS_PER_READ + 3;
        long batchStart = System.nanoTime();
        stages.onBatchStart(n, n);
        for (int i = 0; i < n; i++) {
            stages.onEvent(event(), i, i == n - 1);
        }
        for (int i = 0; i < n; i++) {
            long floor = i < PipelineClock.EVENTS_PER_READ ? batchStart : during.get(i - PipelineClock.EVENTS_PER_READ);
            assertTrue(seen.get(i) >= floor, "event " + i + " saw a time more than eight events old");
        }
        assertEquals(n, metrics.latencyCount());
    }

    @Test
    void noEventsLatencyEndsBeforeItsStagesRan() {
        int n = 2 * PipelineClock.EVENTS_PER_READ + 5;
        long received = System.nanoTime();
        stages.onBatchStart(n, n);
        for (int i = 0; i < n; i++) {
            Event e = event();
            e.setReceiveNanos(received);
            stages.onEvent(e, i, i == n - 1);
        }
        long stagesRan = 0;
        for (long t : during) {
            stagesRan += t - received;
        }
        FunctionTimer latency = registry.get("vigil.event.latency").functionTimer();
        assertEquals(n, (long) latency.count());
        // every recorded latency ends at a reading taken after that event's stages: the sum is no shorter
        assertTrue(latency.totalTime(TimeUnit.NANOSECONDS) >= stagesRan,
            latency.totalTime(TimeUnit.NANOSECONDS) + " < " + stagesRan);
    }

    @Test
    void latenciesOfABatchEndingInARejectedLineAreRecordedAtItsEnd() {
        stages.onBatchStart(3, 3);
        stages.onEvent(event(), 0, false);
        stages.onEvent(event(), 1, false);
        stages.onEvent(new Event(), 2, true); // a slot rejected at decode: not valid, not processed
        assertEquals(2, metrics.latencyCount());
    }

    @Test
    void aBatchAfterAQuietSpellSeesItsOwnStartNotTheLastEventsTime() throws InterruptedException {
        stages.onBatchStart(1, 1);
        stages.onEvent(event(), 0, true);
        Thread.sleep(20);
        long beforeBatch = System.nanoTime();
        stages.onBatchStart(1, 1);
        stages.onEvent(event(), 1, true);
        assertTrue(seen.get(1) >= beforeBatch, "the second batch saw the first one's time");
    }

    @Test
    void theWallClockMovesWithTheMonotonicReading() throws InterruptedException {
        long before = System.currentTimeMillis();
        clock.advance();
        long wall = clock.wallTime();
        long after = System.currentTimeMillis();
        assertTrue(wall >= before && wall <= after, wall + " not in [" + before + ", " + after + "]");
        long wallAtResync = clock.epochNanos();
        Thread.sleep(20);
        long advanced = clock.advance();
        assertEquals(advanced, clock.monotonicTime());
        assertTrue(clock.epochNanos() - wallAtResync >= 20_000_000L, "the wall time moves with the monotonic reading");
    }

    private static Event event() {
        Event e = new Event();
        byte[] b = "{\"evt.type\":\"execve\",\"proc.pid\":7}\n".getBytes(StandardCharsets.UTF_8);
        new EventDecoder().decode(b, 0, b.length, e, 1L);
        e.setReceiveNanos(System.nanoTime());
        return e;
    }
}
