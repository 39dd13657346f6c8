package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.PipelineConfig;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.ingest.LineFramer;
import dev.vigil.ingest.RejectReason;
import dev.vigil.pipeline.BatchEndTask;
import dev.vigil.pipeline.EventPipeline;
import dev.vigil.pipeline.PipelineClock;
import dev.vigil.pipeline.PipelineMetrics;
import dev.vigil.rules.RuleEngine;
import dev.vigil.runtime.IdentitySource;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.zip.GZIPInputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vigil replay FILE|-}: the same pipeline as {@code run} over a file of events (event time
 * drives windows and baselines); alerts to stdout; a one-line JSON summary on stderr. Always the
 * block policy: a file can wait, so nothing is dropped.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = "Run the pipeline over a file of JSON-lines events (- for stdin; .gz is read compressed).")
final class ReplayCommand implements Callable<Integer> {
    @Mixin
    ConfigOptions configOptions;

    @Parameters(index = "0", paramLabel = "FILE|-", description = "Events, one JSON object per line.")
    String input;

    @Option(names = "--stats", description = "Add to the summary the processing time, from the first read of "
        + "the input to the last event through the pipeline (start-up and rule loading excluded), and the "
        + "events processed per second of it.")
    boolean stats;

    PrintStream out = System.out;
    PrintStream err = System.err;
    InputStream stdin = System.in;

    @Override
    public Integer call() {
        VigilConfig c;
        try {
            c = forReplay(configOptions.load());
            ConfigLoader.check(c);
        } catch (ConfigException e) {
            err.println("vigil replay: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RuleEngine rules;
        try {
            rules = Stages.replayRules(c, Stages.hostname(c), registry);
        } catch (ConfigException e) {
            err.println("vigil replay: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        IngestMetrics ingestMetrics = new IngestMetrics(registry);
        PipelineMetrics pipelineMetrics = new PipelineMetrics(registry);
        EventPipeline pipeline = pipeline(c, rules, Stages.replayAlerts(c, out), ingestMetrics, pipelineMetrics,
            registry);
        boolean complete;
        long startNanos = System.nanoTime();
        try (InputStream in = open(input)) {
            pump(c, in, pipeline);
            complete = true;
        } catch (IOException e) {
            err.println("vigil replay: cannot read " + input + ": " + e.getMessage());
            complete = false;
        }
        pipeline.drain(Duration.ofMinutes(10));
        out.flush();
        long elapsedNanos = System.nanoTime() - startNanos;
        err.println(summary(ingestMetrics, pipelineMetrics, stats ? elapsedNanos : -1));
        return complete ? 0 : 1;
    }

    /** A config as replay runs it: the block policy, since a file can wait and nothing may be dropped. */
    static VigilConfig forReplay(VigilConfig c) {
        return c.withPipeline(new PipelineConfig(c.pipeline().ringSize(), c.pipeline().waitStrategy(),
            PipelineConfig.Backpressure.block));
    }

    /**
     * Replay's pipeline, started: decoder, state stage (never this node's /proc or cgroups), the
     * rules, then {@code alerts}. Shared by replay and the rule fixtures ({@link RuleFixtures}); the
     * caller feeds it with {@link #pump} and then drains it.
     */
    static EventPipeline pipeline(VigilConfig c, RuleEngine rules, AlertEmitter alerts, IngestMetrics ingestMetrics,
                                  PipelineMetrics pipelineMetrics, MeterRegistry registry) {
        PipelineClock clock = new PipelineClock();
        EventPipeline pipeline = new EventPipeline(c.pipeline(),
            Stages.enricher(c, registry, false, IdentitySource.NONE, clock), rules, alerts, BatchEndTask.NONE, clock,
            ingestMetrics, pipelineMetrics, registry);
        pipeline.start();
        return pipeline;
    }

    /** Frames and decodes {@code in} to its end into the pipeline; throws what reading throws. */
    static void pump(VigilConfig c, InputStream in, EventPipeline pipeline) throws IOException {
        LineFramer framer = new LineFramer(c.ingest().maxLineBytes(), c.ingest().readBufferBytes(), new EventDecoder());
        int n;
        while ((n = in.read(framer.buffer(), framer.writeOffset(), framer.writable())) >= 0) {
            framer.written(n, System.nanoTime(), pipeline.publisher());
        }
        framer.endOfInput(true, System.nanoTime(), pipeline.publisher());
    }

    private InputStream open(String name) throws IOException {
        if (name.equals("-")) {
            return stdin;
        }
        InputStream in = Files.newInputStream(Path.of(name));
        return name.endsWith(".gz") ? new GZIPInputStream(in, 64 * 1024) : in;
    }

    /** The summary line; with {@code elapsedNanos >= 0} (--stats) also {@code seconds} and {@code events_per_second}. */
    static String summary(IngestMetrics ingest, PipelineMetrics pipeline, long elapsedNanos) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode s = json.createObjectNode();
        s.put("received", ingest.receivedCount());
        s.put("processed", pipeline.processedCount());
        ObjectNode rejected = s.putObject("rejected");
        for (Map.Entry<RejectReason, Long> e : ingest.rejectedCounts().entrySet()) {
            rejected.put(e.getKey().label(), e.getValue());
        }
        s.put("dropped", pipeline.droppedCount());
        s.put("errors", pipeline.errorCount());
        if (elapsedNanos >= 0) {
            double seconds = elapsedNanos / 1e9;
            s.put("seconds", seconds);
            s.put("events_per_second", seconds > 0 ? Math.round(pipeline.processedCount() / seconds) : 0);
        }
        return s.toString();
    }
}
