package dev.vigil.bench.load;

import dev.vigil.config.IngestConfig;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.LineFramer;
import dev.vigil.ingest.LineSink;
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
 * The framer's cost on the load test's churny stream ({@link ChurnStream}, ~374 B a line): one op is one
 * socket read's worth of bytes ({@link IngestConfig#DEFAULT_READ_BUFFER_BYTES}) copied into the framer's
 * buffer, as the ingest thread copies each read from Netty's buffer, and cut into lines handed to a sink
 * that only counts them (no decoding). Divide by the lines a read holds (the run prints it) for a line's share.
 * The baseline, {@link #copyOnly}, is the same copy into a buffer of the same size, not framed.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class FrameBenchmark {
    private byte[] stream;
    private int at;
    private LineFramer framer;
    private byte[] plain;
    private long lines;
    private long bytes;
    private final LineSink sink = new LineSink() {
        @Override
        public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
            lines++;
            bytes += len;
            return true;
        }

        @Override
        public void onTooLong() {
            throw new IllegalStateException("no churny line is too long");
        }
    };

    @Setup
    public void setUp() {
        stream = ChurnStream.generate(ChurnStagesBenchmark.LINES, 1).bytes();
        framer = new LineFramer(IngestConfig.DEFAULT_MAX_LINE_BYTES, IngestConfig.DEFAULT_READ_BUFFER_BYTES,
            new EventDecoder());
        plain = new byte[framer.buffer().length];
        System.out.printf("%nframe: %d lines, %d B a line, %.0f lines a read%n", ChurnStagesBenchmark.LINES,
            stream.length / ChurnStagesBenchmark.LINES,
            IngestConfig.DEFAULT_READ_BUFFER_BYTES / (double) (stream.length / ChurnStagesBenchmark.LINES));
    }

    @Benchmark
    public long read() {
        int n = Math.min(IngestConfig.DEFAULT_READ_BUFFER_BYTES, framer.writable());
        nextBytes(framer.buffer(), framer.writeOffset(), n);
        framer.written(n, 0L, sink);
        return lines + bytes;
    }

    @Benchmark
    public byte copyOnly() {
        int n = IngestConfig.DEFAULT_READ_BUFFER_BYTES;
        nextBytes(plain, 0, n);
        return plain[n - 1];
    }

    /** The stream's next {@code n} bytes (it replays, loop after loop) into {@code dst[off ..]}. */
    private void nextBytes(byte[] dst, int off, int n) {
        int copied = 0;
        while (copied < n) {
            int k = Math.min(n - copied, stream.length - at);
            System.arraycopy(stream, at, dst, off + copied, k);
            copied += k;
            at = (at + k) % stream.length;
        }
    }
}
