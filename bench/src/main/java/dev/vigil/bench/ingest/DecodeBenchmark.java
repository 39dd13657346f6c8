package dev.vigil.bench.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.bench.SampleEvents;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.RejectReason;
import java.io.IOException;
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
 * Decoding one typical event line: Vigil's decoder into a preallocated slot, beside the naive
 * baseline {@code ObjectMapper.readValue(line, Map.class)}. Run with {@code -prof gc} and read
 * {@code gc.alloc.rate.norm} (bytes per line).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DecodeBenchmark {
    private byte[] line;
    private EventDecoder decoder;
    private Event slot;
    private ObjectMapper mapper;

    @Setup
    public void setup() {
        line = SampleEvents.line(SampleEvents.SOCKET);
        decoder = new EventDecoder();
        slot = new Event();
        mapper = new ObjectMapper();
    }

    @Benchmark
    public RejectReason vigilDecoder() {
        RejectReason r = decoder.decode(line, 0, line.length, slot, 0L);
        if (r != null) {
            throw new IllegalStateException("sample line rejected: " + r);
        }
        return r;
    }

    @Benchmark
    @SuppressWarnings("unchecked")
    public Map<String, Object> baselineJacksonMap() throws IOException {
        return mapper.readValue(line, Map.class);
    }
}
