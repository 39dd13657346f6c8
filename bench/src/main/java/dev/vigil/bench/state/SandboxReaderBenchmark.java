package dev.vigil.bench.state;

import dev.vigil.state.SandboxReader;
import java.util.Set;
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
 * One container sandbox read as the agent's {@code vigil-sandbox} thread does it, on this machine's real
 * {@code /proc} (the benchmark's own process: {@code status}, {@code mountinfo}, {@code uid_map}, the LSM
 * files, seven namespace links, {@code net/dev}; the host's view is cached for 30 s, as in the agent):
 * what each container start costs off the pipeline thread, beside {@code readStatusOnly}: reading
 * {@code status} alone, the first of the three files the process table reads for a pid it never saw.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SandboxReaderBenchmark {
    private SandboxReader reader;
    private int pid;
    private java.nio.file.Path status;

    @Setup
    public void setUp() {
        reader = new SandboxReader("/proc");
        pid = (int) ProcessHandle.current().pid();
        status = java.nio.file.Path.of("/proc", Integer.toString(pid), "status");
        if (reader.read(pid, Set.of()) != SandboxReader.Result.OK) {
            throw new IllegalStateException("cannot read /proc/" + pid);
        }
    }

    @Benchmark
    public Object readSandbox() {
        reader.read(pid, Set.of());
        return reader.facts();
    }

    @Benchmark
    public Object readStatusOnly() throws java.io.IOException {
        return java.nio.file.Files.readAllBytes(status);
    }
}
