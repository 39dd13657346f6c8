package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SensorLossTest {
    @Test
    void theSensorsLossReportsAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(registry);
        StageHandler stages = new StageHandler(new DeferredDecoder(new EventDecoder(), new IngestMetrics(registry)), Enricher.NONE, NoRules.INSTANCE,
            a -> { }, metrics, BatchEndTask.NONE);
        EventDecoder decoder = new EventDecoder();
        Event e = new Event();
        for (String line : new String[] {
            "{\"evt.type\":\"vigil_sensor_lost\",\"evt.arg.lost\":120,\"evt.arg.reason\":\"ringbuf_full\"}",
            "{\"evt.type\":\"vigil_sensor_lost\",\"evt.arg.lost\":5,\"evt.arg.reason\":\"disconnected\"}",
            "{\"evt.type\":\"execve\",\"evt.arg.lost\":1000}"}) {
            byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
            decoder.decode(b, 0, b.length, e, 0);
            stages.onEvent(e, 0, true);
        }
        assertEquals(125.0, registry.get("vigil.sensor.lost.events").counter().count());
        assertEquals(3, metrics.processedCount());
    }

    @Test
    void theThrottledEventsOfAnEpisodeAreCountedByBudgetFromItsStopLine() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(registry);
        StageHandler stages = new StageHandler(new DeferredDecoder(new EventDecoder(), new IngestMetrics(registry)),
            Enricher.NONE, NoRules.INSTANCE, a -> { }, metrics, BatchEndTask.NONE);
        EventDecoder decoder = new EventDecoder();
        Event e = new Event();
        for (String line : new String[] {
            "{\"evt.type\":\"vigil_sensor_throttle\",\"proc.pid\":7,\"container.id\":\"aaaaaaaaaaaa\","
                + "\"evt.arg.state\":\"start\",\"evt.arg.reason\":\"security_budget\"}",
            "{\"evt.type\":\"vigil_sensor_throttle\",\"container.id\":\"aaaaaaaaaaaa\",\"evt.arg.state\":\"stop\","
                + "\"evt.arg.throttled\":170007,\"evt.arg.throttled_process\":7,\"evt.arg.throttled_security\":170000}",
            "{\"evt.type\":\"vigil_sensor_throttle\",\"evt.arg.state\":\"stop\",\"evt.arg.throttled_process\":-5,"
                + "\"evt.arg.throttled_security\":\"many\"}",
            "{\"evt.type\":\"execve\",\"evt.arg.throttled_process\":1000}"}) {
            byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
            decoder.decode(b, 0, b.length, e, 0);
            stages.onEvent(e, 0, true);
        }
        assertEquals(7.0, registry.get("vigil.sensor.throttled.events").tag("reason", "process_budget").counter().count());
        assertEquals(170000.0,
            registry.get("vigil.sensor.throttled.events").tag("reason", "security_budget").counter().count());
        assertEquals(4, metrics.processedCount());
    }

}
