package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.PipelineConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * drain() right after start(): the consumer thread may not be running yet. Disruptor's own
 * shutdown() only waits for consumers that are running, so it used to halt a consumer that had not
 * started, and `vigil replay` of a small file could print its summary (and exit) before the last
 * events went through: found by bench/sysdig-compare.sh (1 run in ~60 under load).
 */
class DrainTest {
    @Test
    void drainRightAfterStartWaitsForEveryPublishedEvent() {
        byte[] line = "{\"evt.type\":\"execve\",\"evt.rawtime\":1}\n".getBytes(StandardCharsets.UTF_8);
        EventDecoder decoder = new EventDecoder();
        for (int round = 0; round < 300; round++) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            AtomicInteger matched = new AtomicInteger();
            Matcher count = new Matcher() {
                @Override
                public void match(Event event, dev.vigil.alert.AlertEmitter emitter) {
                    matched.incrementAndGet();
                }

                @Override
                public int ruleCount() {
                    return 0;
                }
            };
            PipelineMetrics metrics = new PipelineMetrics(registry);
            try (EventPipeline pipeline = new EventPipeline(PipelineConfig.defaults(), Enricher.NONE, count, a -> { },
                    new IngestMetrics(registry), metrics, registry)) {
                pipeline.start();
                for (int i = 0; i < 2; i++) {
                    SharedDecodingTest.offer(pipeline.publisher(), line, 0, line.length, System.nanoTime(), decoder);
                }
                assertTrue(pipeline.drain(Duration.ofSeconds(10)));
                assertEquals(2, matched.get(), "round " + round + ": events matched before drain returned");
                assertEquals(2, metrics.processedCount(), "round " + round + ": processed before drain returned");
            }
        }
    }
}
