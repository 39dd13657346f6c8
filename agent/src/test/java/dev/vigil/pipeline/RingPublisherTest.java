package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.PipelineConfig;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingPublisherTest {
    @Test
    void aLineWithoutATimeGetsTheWallClockAndOneWithATimeKeepsIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Long> rawtimes = Collections.synchronizedList(new ArrayList<>());
        Matcher record = new Matcher() {
            @Override
            public void match(Event event, dev.vigil.alert.AlertEmitter emitter) {
                rawtimes.add(event.getLong(Field.EVT_RAWTIME));
            }

            @Override
            public int ruleCount() {
                return 0;
            }
        };
        PipelineMetrics metrics = new PipelineMetrics(registry);
        try (EventPipeline pipeline = new EventPipeline(PipelineConfig.defaults(), Enricher.NONE, record, a -> { },
                new IngestMetrics(registry), metrics, registry)) {
            pipeline.start();
            EventDecoder decoder = new EventDecoder();
            long before = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < 3; i++) {
                byte[] b = "{\"evt.type\":\"execve\"}\n".getBytes(StandardCharsets.UTF_8);
                SharedDecodingTest.offer(pipeline.publisher(), b, 0, b.length, System.nanoTime(), decoder);
                Thread.sleep(i == 1 ? 150 : 0); // past the wall clock's re-read
            }
            byte[] timed = "{\"evt.type\":\"execve\",\"evt.rawtime\":42}\n".getBytes(StandardCharsets.UTF_8);
            SharedDecodingTest.offer(pipeline.publisher(), timed, 0, timed.length, System.nanoTime(), decoder);
            assertTrue(pipeline.drain(Duration.ofSeconds(5)));
            long after = System.currentTimeMillis() * 1_000_000L;
            assertEquals(4, rawtimes.size());
            for (int i = 0; i < 3; i++) {
                long t = rawtimes.get(i);
                assertTrue(t >= before - 2_000_000L && t <= after + 2_000_000L,
                    "line " + i + ": " + t + " not within [" + before + ", " + after + "]");
            }
            assertTrue(rawtimes.get(2) - rawtimes.get(1) >= 140_000_000L, "the time moves with the clock");
            assertEquals(42L, rawtimes.get(3));
            assertEquals(4, metrics.processedCount());
            assertEquals(4, metrics.latencyCount());
        }
    }

    @Test
    void theLinesOfOneReadCarryThatReadsTimeWhicheverThreadDecodesThem() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<long[]> seen = Collections.synchronizedList(new ArrayList<>());
        Matcher record = new Matcher() {
            @Override
            public void match(Event event, dev.vigil.alert.AlertEmitter emitter) {
                seen.add(new long[] {event.receiveNanos(), event.getLong(Field.EVT_RAWTIME)});
            }

            @Override
            public int ruleCount() {
                return 0;
            }
        };
        try (EventPipeline pipeline = new EventPipeline(PipelineConfig.defaults(), Enricher.NONE, record, a -> { },
                new IngestMetrics(registry), new PipelineMetrics(registry), registry)) {
            pipeline.start();
            EventDecoder decoder = new EventDecoder();
            byte[] b = "{\"evt.type\":\"execve\"}\n".getBytes(StandardCharsets.UTF_8);
            long firstRead = System.nanoTime();
            long secondRead = firstRead + 5_000_000;
            // The first line of a connection is decoded by the publisher, the next ones may be left to
            // the pipeline thread (shared decoding): both must keep the read's time.
            for (int i = 0; i < 3; i++) {
                SharedDecodingTest.offer(pipeline.publisher(), b, 0, b.length, firstRead, decoder);
            }
            for (int i = 0; i < 3; i++) {
                SharedDecodingTest.offer(pipeline.publisher(), b, 0, b.length, secondRead, decoder);
            }
            assertTrue(pipeline.drain(Duration.ofSeconds(5)));
            assertEquals(6, seen.size());
            for (int i = 0; i < 6; i++) {
                long read = i < 3 ? firstRead : secondRead;
                assertEquals(read, seen.get(i)[0], "line " + i + ": the receive time is its read's");
                assertEquals(seen.get(0)[1] + (read - firstRead), seen.get(i)[1],
                    "line " + i + ": its wall-clock time is its read's (no time of its own)");
            }
        }
    }
}
