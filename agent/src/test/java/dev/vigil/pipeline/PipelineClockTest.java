package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The stages' "now": read once an event by the stage handler, fresh at each batch's start. */
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
    void withinABatchEachEventSeesTheTimeTheEventBeforeItEnded() {
        stages.onBatchStart(3, 3);
        for (int i = 0; i < 3; i++) {
            stages.onEvent(event(), i, i == 2);
        }
        for (int i = 1; i < 3; i++) {
            assertTrue(seen.get(i) >= during.get(i - 1), "event " + i + " saw a time before its predecessor ran");
        }
        assertEquals(3, metrics.latencyCount());
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
