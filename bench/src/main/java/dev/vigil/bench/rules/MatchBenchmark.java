package dev.vigil.bench.rules;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.rules.BaselineStore;
import dev.vigil.rules.LoadResult;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RulesetLoader;
import dev.vigil.rules.RulesetLoader.RuleSource;
import dev.vigil.rules.TimeSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * Matching one event against a ruleset: Vigil's compiled, type-indexed engine over the event slot,
 * beside the naive baseline (a tree-walking interpreter over a {@code Map} event, every rule tried)
 * in the same run. Rulesets: the five upstream Falco files plus Vigil's own ({@code upstream}), and
 * synthetic sets of 10, 100 and 1,000 rules ({@code synthetic-N}) to show how cost grows with rules.
 * The events are a typical mix of eight types; none of them raises an alert, so the figure is the
 * non-alerting path (run with {@code -prof gc}: 0 B/op expected).
 *
 * <p>The upstream files are read from {@code -Dvigil.corpus=DIR} (default {@code ../shared/corpus}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class MatchBenchmark {
    static final String[] UPSTREAM = {"falco_rules.yaml", "falco-incubating_rules.yaml", "falco-sandbox_rules.yaml",
        "falco-deprecated_rules.yaml", "application_rules.yaml"};

    /** Eight typical events, none alerting: a shell's child in a container, file opens, sockets, forks. */
    static final String[] EVENTS = {
        "{\"evt.type\":\"execve\",\"evt.res\":0,\"proc.pid\":5151,\"proc.ppid\":4242,\"proc.name\":\"python3\","
            + "\"proc.exepath\":\"/usr/bin/python3\",\"proc.cmdline\":\"python3 app.py\",\"proc.pname\":\"supervisord\","
            + "\"user.uid\":1000,\"user.name\":\"app\",\"container.id\":\"de6b9f00ba11\",\"container.image.repository\":\"myapp\","
            + "\"thread.cap_effective\":\"0x00000000a80425fb\",\"proc.aname[2]\":\"containerd-shim\",\"proc.tty\":0}",
        "{\"evt.type\":\"openat\",\"evt.res\":7,\"proc.pid\":5151,\"proc.name\":\"python3\",\"container.id\":\"de6b9f00ba11\","
            + "\"fd.name\":\"/app/data/cache.db\",\"fd.directory\":\"/app/data\",\"fd.filename\":\"cache.db\","
            + "\"fd.typechar\":\"f\",\"fd.type\":\"file\",\"evt.arg.flags\":\"O_RDONLY\",\"evt.is_open_read\":true,"
            + "\"user.uid\":1000,\"thread.cap_effective\":\"0x00000000a80425fb\"}",
        "{\"evt.type\":\"socket\",\"evt.res\":8,\"proc.pid\":5151,\"proc.name\":\"python3\",\"container.id\":\"de6b9f00ba11\","
            + "\"evt.arg.domain\":2,\"evt.arg.type\":1,\"evt.arg.proto\":6}",
        "{\"evt.type\":\"connect\",\"evt.res\":0,\"proc.pid\":5151,\"proc.name\":\"python3\",\"container.id\":\"de6b9f00ba11\","
            + "\"fd.name\":\"10.0.0.5:40000->10.0.0.9:5432\",\"fd.type\":\"ipv4\",\"fd.l4proto\":\"tcp\",\"fd.sockfamily\":\"ip\","
            + "\"fd.sip\":\"10.0.0.9\",\"fd.sport\":5432}",
        "{\"evt.type\":\"clone\",\"evt.res\":5152,\"proc.pid\":5151,\"proc.name\":\"python3\",\"container.id\":\"de6b9f00ba11\","
            + "\"container.pids_limit\":512,\"container.live_procs\":12,\"container.pids_usage\":2}",
        "{\"evt.type\":\"procexit\",\"proc.pid\":5152,\"proc.name\":\"python3\",\"container.id\":\"de6b9f00ba11\"}",
        "{\"evt.type\":\"openat\",\"evt.res\":3,\"proc.pid\":901,\"proc.name\":\"kubelet\",\"container.id\":\"host\","
            + "\"fd.name\":\"/var/lib/kubelet/pods/x/volumes\",\"fd.directory\":\"/var/lib/kubelet/pods/x\","
            + "\"fd.typechar\":\"d\",\"evt.arg.flags\":\"O_RDONLY|O_DIRECTORY\",\"user.uid\":0}",
        "{\"evt.type\":\"mount\",\"evt.res\":0,\"proc.pid\":901,\"proc.name\":\"kubelet\",\"container.id\":\"host\","
            + "\"thread.cap_effective\":\"0x000001ffffffffff\"}",
    };

    @Param({"upstream", "synthetic-10", "synthetic-100", "synthetic-1000"})
    public String ruleset;

    private RuleEngine engine;
    private NaiveMapInterpreter naive;
    private Event[] events;
    private List<Map<String, Object>> maps;
    private long alerts;
    private final AlertEmitter emitter = a -> alerts++;

    @Setup
    public void setup() throws IOException {
        List<RuleSource> sources = new ArrayList<>();
        List<InputStream> naiveSources = new ArrayList<>();
        if (ruleset.equals("upstream")) {
            Path dir = Path.of(System.getProperty("vigil.corpus", "../shared/corpus"), "falco-rules");
            for (String f : UPSTREAM) {
                sources.add(RuleSource.of(dir.resolve(f)));
                naiveSources.add(Files.newInputStream(dir.resolve(f)));
            }
            sources.add(RuleSource.embeddedDefault());
            naiveSources.add(RulesetLoader.class.getResourceAsStream(RulesetLoader.DEFAULT_RESOURCE));
        } else {
            String text = synthetic(Integer.parseInt(ruleset.substring("synthetic-".length())));
            sources.add(RuleSource.ofString("synthetic.yaml", text));
            naiveSources.add(new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LoadResult r = new RulesetLoader("bench", TimeSource.eventTime(),
            new BaselineStore(null, 1000, 1000, registry), 1000, registry).loadSources(sources);
        if (r.errors() > 0) {
            throw new IllegalStateException(r.problems().toString());
        }
        engine = r.matcher();
        naive = NaiveMapInterpreter.load(naiveSources);
        EventDecoder decoder = new EventDecoder();
        events = new Event[EVENTS.length];
        maps = new ArrayList<>();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (int i = 0; i < EVENTS.length; i++) {
            byte[] line = (EVENTS[i] + "\n").getBytes(StandardCharsets.UTF_8);
            events[i] = new Event();
            if (decoder.decode(line, 0, line.length, events[i], 1_795_000_000_000_000_000L) != null) {
                throw new IllegalStateException("bad sample " + EVENTS[i]);
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = new LinkedHashMap<>(json.readValue(EVENTS[i], Map.class));
            m.putIfAbsent("evt.rawtime", 1_795_000_000_000_000_000L);
            if (m.containsKey("thread.cap_effective")) {
                m.put("thread.cap_effective", dev.vigil.event.Capabilities.names(
                    dev.vigil.event.Capabilities.parseMask((String) m.get("thread.cap_effective"))));
            }
            if (m.get("evt.res") instanceof Number n) {
                m.put("evt.rawres", n.longValue());
                m.put("evt.res", dev.vigil.event.Errno.render(n.longValue()));
            }
            maps.add(m);
        }
        for (Event e : events) {
            engine.match(e, emitter);
        }
        if (alerts != 0) {
            throw new IllegalStateException("the sample events must not alert (non-alerting path), got " + alerts);
        }
    }

    /** Rules over proc.name, fd.name and container.id across four event types, none matching the samples. */
    static String synthetic(int n) {
        String[] types = {"execve", "openat", "connect", "socket"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            String type = types[i % types.length];
            sb.append("- rule: synthetic ").append(i).append('\n')
                .append("  desc: d\n  output: o %proc.name\n  priority: NOTICE\n")
                .append("  condition: evt.type = ").append(type).append(" and container.id != host and (proc.name = tool")
                .append(i).append(" or proc.name startswith never").append(i).append(") and not user.uid = 12345\n");
        }
        return sb.toString();
    }

    @Benchmark
    @OperationsPerInvocation(8)
    public long vigilEngine() {
        for (Event e : events) {
            engine.match(e, emitter);
        }
        return alerts;
    }

    @Benchmark
    @OperationsPerInvocation(8)
    public int baselineNaiveInterpreter() {
        int n = 0;
        for (Map<String, Object> m : maps) {
            n += naive.matchCount(m);
        }
        return n;
    }
}
