package dev.vigil.bench.load;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.PipelineConfig;
import dev.vigil.config.StateConfig;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.pipeline.PipelineClock;
import dev.vigil.rules.BaselineStore;
import dev.vigil.rules.LoadResult;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RulesetLoader;
import dev.vigil.rules.RulesetLoader.RuleSource;
import dev.vigil.rules.TimeSource;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-event cost of each stage on the load test's churny stream ({@link ChurnStream}: fresh
 * short-lived processes, 40 % capability probes, ~374 B a line), one thread, for the paper estimate of
 * what the pipeline thread can carry on a many-core node (docs/scaling.md). It lives beside the load
 * generator because it reads the same stream. One op is one line, taken in turn through a ring of
 * {@code slots} slots, so that slots are as warm or cold as the pipeline's: the agent's default ring
 * ({@link PipelineConfig#DEFAULT_RING_SIZE}) and the 16 Ki slots it had before. {@code stages}:
 * <ul>
 * <li>{@code copy}: restore the slot from its decoded template (the baseline the next two include);</li>
 * <li>{@code decode}: decode the line's bytes into the slot (what the ingest thread, or the pipeline
 *     thread's share, costs per line);</li>
 * <li>{@code state}: copy, then the state stage (process and container tables);</li>
 * <li>{@code state-rules}: copy, state, then the default rules: the pipeline thread's own work;</li>
 * <li>{@code decode-state-rules}: all of it on one thread (decoding instead of the copy);</li>
 * <li>{@code decode-held}, {@code decode-held-state-rules}: the same with the line first copied into the
 *     slot and decoded there ({@link Event#holdUndecoded}), as a line left to the pipeline thread is.</li>
 * </ul>
 * The block replays loop after loop: every life in it ends with its exit, so its pids are new to the
 * tables on every loop (inserted at clone, evicted at exit). Rules run on live time with an in-memory
 * baseline store, as {@code vigil run} (its store is on disk); no /proc is read (a root that does not
 * exist, posture reads off: the load test's pids have no /proc either). Nothing in the stream alerts
 * (checked at setup), so this is the non-alerting path. The stages read the time from a
 * {@link PipelineClock} advanced once every {@link PipelineClock#EVENTS_PER_READ} lines, as the agent's
 * pipeline thread does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ChurnStagesBenchmark {
    /** Lines of the replayed block: more than any ring, so the tables churn as on a node. */
    static final int LINES = 16 * 1024;
    static final String NO_ROOT = "/nonexistent/vigil-bench";

    @Param({"copy", "decode", "state", "state-rules", "decode-state-rules", "decode-held", "decode-held-state-rules"})
    public String stages;

    /** Slots the lines go through in turn: the agent's default ring, and the 16 Ki it had before (cold slots). */
    @Param({"2048", "16384"})
    public int slots;

    private byte[] bytes;
    private int[] lineStart;
    private Event[] templates;
    private Event[] ring;
    private StateEnricher state;
    private RuleEngine rules;
    private final EventDecoder decoder = new EventDecoder();
    private long alerts;
    private final AlertEmitter emitter = a -> alerts++;
    private final PipelineClock clock = new PipelineClock();
    private int next;
    private boolean decode;
    private boolean held;
    private boolean enrich;
    private boolean match;

    @Setup
    public void setUp() {
        ChurnStream.Result r = ChurnStream.generate(LINES, 1);
        bytes = r.bytes();
        lineStart = lineStarts(bytes);
        int lines = lineStart.length - 1;
        templates = new Event[lines];
        for (int i = 0; i < lines; i++) {
            templates[i] = new Event();
            if (decoder.decode(bytes, lineStart[i], lineStart[i + 1] - lineStart[i], templates[i], 1L) != null) {
                throw new IllegalStateException("churny line " + i + " rejected");
            }
        }
        if (Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two: " + slots);
        }
        ring = new Event[slots];
        for (int i = 0; i < slots; i++) {
            ring[i] = new Event();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        state = new StateEnricher(new StateConfig(NO_ROOT, NO_ROOT, System.getProperty("java.io.tmpdir"),
            StateConfig.DEFAULT_MAX_PROCESSES, StateConfig.DEFAULT_MAX_CONTAINERS, 0), registry, clock);
        LoadResult loaded = new RulesetLoader("bench", TimeSource.liveTime(clock::epochNanos),
            new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES, registry),
            RulesetLoader.DEFAULT_MAX_AGGREGATE_KEYS, registry).loadSources(List.of(RuleSource.embeddedDefault()));
        if (loaded.errors() > 0) {
            throw new IllegalStateException(loaded.problems().toString());
        }
        rules = loaded.matcher();
        decode = stages.startsWith("decode");
        held = stages.startsWith("decode-held");
        enrich = stages.contains("state");
        match = stages.contains("rules");
        for (int i = 0; i < 2 * lines; i++) {
            line(); // two loops through the whole pipeline: the tables hold their steady churn
        }
        if (alerts != 0) {
            throw new IllegalStateException("the churny stream must not alert (non-alerting path), got " + alerts);
        }
    }

    private static int[] lineStarts(byte[] b) {
        int n = 0;
        for (byte x : b) {
            if (x == '\n') {
                n++;
            }
        }
        int[] start = new int[n + 1];
        int line = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                start[++line] = i + 1;
            }
        }
        return start;
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public Event line() {
        int i = next;
        next = i + 1 == templates.length ? 0 : i + 1;
        Event slot = ring[i & (slots - 1)];
        int len = lineStart[i + 1] - lineStart[i];
        if (held && len <= Event.MAX_UNDECODED_LINE_BYTES) {
            slot.holdUndecoded(bytes, lineStart[i], len, 1L, 0);
            decoder.decode(slot.undecodedLine(), 0, len, slot, 1L);
        } else if (decode) {
            slot.releaseLine();
            decoder.decode(bytes, lineStart[i], len, slot, 1L);
        } else {
            slot.copyFrom(templates[i]);
        }
        if (enrich) {
            state.enrich(slot);
        }
        if (match) {
            rules.match(slot, emitter);
        }
        if (enrich && i % PipelineClock.EVENTS_PER_READ == 0) {
            clock.advance(); // as the stage handler reads it: after every eighth event (their latencies end there)
        }
        return slot;
    }
}
