package dev.vigil.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class LoadFiguresTest {
    private static final String A = "{\"evt.type\":\"clone\",\"evt.rawtime\":1795000000000000100,\"proc.pid\":7}\n";
    private static final String B = "{\"evt.type\":\"execve\",\"evt.rawtime\":1795000000000000200,\"proc.pid\":8}\n";

    @Test
    void copyShiftsEveryRawtimeInPlaceAndKeepsTheRest() {
        EventBlock block = EventBlock.of((A + B).getBytes(StandardCharsets.US_ASCII));
        assertEquals(2, block.lines());
        assertEquals(100, block.spanNanos());
        ByteBuffer buf = ByteBuffer.allocate(256);
        block.copy(0, 2, 1_000_000_000L, true, buf);
        String out = new String(buf.array(), 0, buf.position(), StandardCharsets.US_ASCII);
        assertEquals(A.replace("1795000000000000100", "1795000001000000100")
            + B.replace("1795000000000000200", "1795000001000000200"), out);
    }

    @Test
    void chunksAreLineAlignedAndHoldAtLeastOneLine() {
        EventBlock block = EventBlock.of((A + B + A).getBytes(StandardCharsets.US_ASCII));
        assertEquals(2, block.chunkEnd(0, A.length() + B.length(), Integer.MAX_VALUE));
        assertEquals(1, block.chunkEnd(0, 10, Integer.MAX_VALUE));
        assertEquals(1, block.chunkEnd(0, 1 << 20, 1));
        assertEquals(3, block.chunkEnd(1, 1 << 20, Integer.MAX_VALUE));
    }

    @Test
    void quantilesInterpolateWithinPrometheusBuckets() {
        TreeMap<Double, Long> cumulative = new TreeMap<>();
        cumulative.put(0.001, 50L);
        cumulative.put(0.002, 90L);
        cumulative.put(0.004, 100L);
        cumulative.put(Double.POSITIVE_INFINITY, 100L);
        assertEquals(0.001, AgentMetrics.quantile(cumulative, 100, 0.5), 1e-12);
        assertEquals(0.0015, AgentMetrics.quantile(cumulative, 100, 0.7), 1e-12);
        assertEquals(0.0038, AgentMetrics.quantile(cumulative, 100, 0.99), 1e-12);
    }

    @Test
    void parsesTheAgentsCountersAndHistogram() {
        AgentMetrics.Snapshot s = AgentMetrics.parse("""
            # HELP vigil_events_received_total Lines received
            vigil_events_received_total 10.0
            vigil_events_processed_total 7.0
            vigil_events_rejected_total{reason="not_json"} 1.0
            vigil_events_rejected_total{reason="wrong_type"} 1.0
            vigil_events_dropped_total 1.0
            vigil_event_latency_seconds_bucket{le="1.0E-5"} 5
            vigil_event_latency_seconds_bucket{le="+Inf"} 7
            vigil_event_latency_seconds_count 7
            vigil_event_latency_seconds_sum 0.5
            """);
        assertEquals(10, s.received());
        assertEquals(2, s.rejected());
        assertTrue(s.balanced());
        assertEquals(5L, s.latencyBuckets().get(1.0E-5));
        assertEquals(7L, s.latencyBuckets().get(Double.POSITIVE_INFINITY));
    }
}
