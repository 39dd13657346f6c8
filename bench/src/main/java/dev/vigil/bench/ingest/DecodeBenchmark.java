package dev.vigil.bench.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.bench.SampleEvents;
import dev.vigil.bench.gen.NodeStreamGenerator;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.JacksonEventDecoder;
import dev.vigil.ingest.RejectReason;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Decoding one typical event line into a preallocated slot: the agent's decoder (its byte-level fast
 * path, {@code vigilDecoder}), the general Jackson-based decoder it falls back on
 * ({@code jacksonDecoder}), and the naive baseline {@code ObjectMapper.readValue(line, Map.class)}.
 * The {@code *NodeMix} variants cycle through 8,192 lines of the node stream generator (every kind
 * of event, ~460 bytes each) instead of one line. Run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per line).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBenchmark {
    private static final int MIX_LINES = 8192;

    private byte[] line;
    private byte[][] mix;
    private int next;
    private EventDecoder decoder;
    private JacksonEventDecoder jackson;
    private Event slot;
    private ObjectMapper mapper;

    @Setup
    public void setup() {
        line = SampleEvents.line(SampleEvents.SOCKET);
        decoder = new EventDecoder();
        jackson = new JacksonEventDecoder();
        slot = new Event();
        mapper = new ObjectMapper();
        mix = nodeLines();
    }

    /** Lines from the middle of a generated node stream (past the start-up of its processes). */
    private static byte[][] nodeLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        NodeStreamGenerator.generate(NodeStreamGenerator.MIN_EVENTS, 1, 100_000, out);
        byte[] all = out.toByteArray();
        byte[][] lines = new byte[MIX_LINES][];
        int from = all.length / 2;
        while (all[from - 1] != '\n') {
            from++;
        }
        for (int i = 0; i < MIX_LINES; i++) {
            int end = from;
            while (all[end] != '\n') {
                end++;
            }
            lines[i] = Arrays.copyOfRange(all, from, end + 1);
            from = end + 1;
        }
        return lines;
    }

    @Benchmark
    public RejectReason vigilDecoder() {
        return check(decoder.decode(line, 0, line.length, slot, 0L));
    }

    @Benchmark
    public RejectReason jacksonDecoder() {
        return check(jackson.decode(line, 0, line.length, slot, 0L));
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public Map<String, Object> baselineJacksonMap() throws IOException {
        return mapper.readValue(line, Map.class);
    }

    @Benchmark
    public RejectReason vigilDecoderNodeMix() {
        byte[] l = mix[next++ & (MIX_LINES - 1)];
        return check(decoder.decode(l, 0, l.length, slot, 0L));
    }

    @Benchmark
    public RejectReason jacksonDecoderNodeMix() {
        byte[] l = mix[next++ & (MIX_LINES - 1)];
        return check(jackson.decode(l, 0, l.length, slot, 0L));
    }

    private static RejectReason check(RejectReason r) {
        if (r != null) {
            throw new IllegalStateException("sample line rejected: " + r);
        }
        return r;
    }
}
