package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.PipelineConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PipelineHealthTest {
    @Test
    void aStalledPipelineIsUnhealthyAndRecovers() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        Matcher stuck = new Matcher() {
            @Override
            public void match(Event event, AlertEmitter emitter) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public int ruleCount() {
                return 1;
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        EventPipeline pipeline = new EventPipeline(new PipelineConfig(8, PipelineConfig.WaitStrategyName.blocking, null),
            Enricher.NONE, stuck, a -> { }, new IngestMetrics(registry), new PipelineMetrics(registry), registry);
        AtomicLong now = new AtomicLong(0);
        PipelineHealth health = new PipelineHealth(pipeline, 10_000_000_000L, now::get, () -> true, () -> true);
        pipeline.start();
        byte[] line = "{\"evt.type\":\"execve\"}\n".getBytes(StandardCharsets.UTF_8);
        EventDecoder decoder = new EventDecoder();
        pipeline.publisher().onLine(line, 0, line.length, System.nanoTime(), decoder);
        pipeline.publisher().onLine(line, 0, line.length, System.nanoTime(), decoder);
        entered.await();
        health.sample();
        assertNull(health.unhealthyReason(), "not yet: the stall period has not passed");
        now.addAndGet(11_000_000_000L);
        health.sample();
        assertNotNull(health.unhealthyReason());
        assertTrue(health.unhealthyReason().startsWith("pipeline stalled"), health.unhealthyReason());
        release.countDown();
        assertTrue(pipeline.drain(Duration.ofSeconds(10)));
        now.addAndGet(1_000_000_000L);
        health.sample();
        assertNull(health.unhealthyReason(), "healthy again once events move");
    }
}
