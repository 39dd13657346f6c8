package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SensorLossTest {
    @Test
    void theSensorsLossReportsAreCounted() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PipelineMetrics metrics = new PipelineMetrics(registry);
        Matcher none = new Matcher() {
            @Override
            public void match(Event event, dev.vigil.alert.AlertEmitter emitter) {
            }

            @Override
            public int ruleCount() {
                return 0;
            }
        };
        StageHandler stages = new StageHandler(new DeferredDecoder(new EventDecoder(), new IngestMetrics(registry)), Enricher.NONE, none,
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
}
