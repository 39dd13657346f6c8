package dev.vigil.rules;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads Falco-format rule files together, in order, later files amending earlier ones, and compiles
 * them into a {@link RuleEngine}: the face of the rules front end, whose steps are, as in Falco's
 * rule loader, the {@link RuleFileReader} (YAML to items with file and line), the
 * {@link RuleCollector} (define, append, override, enable), the {@link MacroResolver} (macro and list
 * references expanded) and the compilers ({@link RuleCompiler} per rule, {@link ConditionCompiler}
 * per condition).
 *
 * <p>Items: {@code rule}, {@code macro}, {@code list}; {@code required_engine_version} and
 * {@code required_plugin_versions} are read and ignored. Amending: {@code override: {key:
 * append|replace}} and the older {@code append: true}; a rule item with only {@code enabled} switches
 * an earlier rule on or off; a redefinition replaces. {@code exceptions} compile to
 * {@code and not (…)}. Vigil's {@code aggregate} and {@code baseline} keys are read on rules.
 *
 * <p>A rule that names a field, transformer or source the agent cannot supply is skipped with its
 * reason; syntax errors, undefined macros and malformed items are errors. Neither stops the other
 * rules. Thread-safe if used by one caller at a time (the reload path).
 */
public final class RulesetLoader {
    /** The embedded default ruleset, on the classpath. */
    public static final String DEFAULT_RESOURCE = "/rules/vigil_rules.yaml";
    public static final int DEFAULT_MAX_AGGREGATE_KEYS = 10_000;

    private final String hostname;
    private final TimeSource time;
    private final BaselineStore baselines;
    private final int maxAggregateKeys;
    private final Counter aggregateEvicted;

    /**
     * @param hostname  written in every alert
     * @param time      event time (replay) or wall time (live) for windows and learning periods
     * @param baselines learned baselines (outlives reloads); see {@link BaselineStore}
     * @param registry  where {@code vigil.rules.aggregate.keys.evicted} is counted
     */
    public RulesetLoader(String hostname, TimeSource time, BaselineStore baselines, int maxAggregateKeys,
                         MeterRegistry registry) {
        this.hostname = hostname;
        this.time = time;
        this.baselines = baselines;
        this.maxAggregateKeys = maxAggregateKeys;
        this.aggregateEvicted = Counter.builder("vigil.rules.aggregate.keys.evicted")
            .description("aggregate keys evicted because the cap on live keys was reached").register(registry);
    }

    /** A loader for validation only ({@code vigil rules check}): event time, in-memory baselines. */
    public static RulesetLoader forCheck() {
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        return new RulesetLoader("localhost", TimeSource.eventTime(),
            new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES, r),
            DEFAULT_MAX_AGGREGATE_KEYS, r);
    }

    /** One named source of rule text. */
    public interface RuleSource {
        String name();

        InputStream open() throws IOException;

        static RuleSource of(Path p) {
            return new RuleSource() {
                @Override
                public String name() {
                    return p.toString();
                }

                @Override
                public InputStream open() throws IOException {
                    return Files.newInputStream(p);
                }
            };
        }

        static RuleSource ofString(String name, String text) {
            return new RuleSource() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public InputStream open() {
                    return new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                }
            };
        }

        static RuleSource embeddedDefault() {
            return new RuleSource() {
                @Override
                public String name() {
                    return "embedded:" + DEFAULT_RESOURCE;
                }

                @Override
                public InputStream open() throws IOException {
                    InputStream in = RulesetLoader.class.getResourceAsStream(DEFAULT_RESOURCE);
                    if (in == null) {
                        throw new IOException("the embedded default ruleset is missing from the jar");
                    }
                    return in;
                }
            };
        }
    }

    /**
     * Loads the files (a directory stands for its *.yaml files, sorted) in order, after the embedded
     * default when {@code includeDefault}.
     */
    public LoadResult load(List<Path> files, boolean includeDefault) {
        List<RuleSource> sources = new ArrayList<>();
        if (includeDefault) {
            sources.add(RuleSource.embeddedDefault());
        }
        for (Path p : expand(files)) {
            sources.add(RuleSource.of(p));
        }
        return loadSources(sources);
    }

    /** The files a list of paths stands for: directories expand to their *.yaml / *.yml files. */
    public static List<Path> expand(List<Path> paths) {
        List<Path> out = new ArrayList<>();
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(x -> x.toString().endsWith(".yaml") || x.toString().endsWith(".yml")).sorted().forEach(out::add);
                } catch (IOException e) {
                    out.add(p);
                }
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * Loads the sources in order: each read ({@link RuleFileReader}) and its items collected
     * ({@link RuleCollector}) before the next, then the whole compiled ({@link RuleCompiler}).
     */
    public LoadResult loadSources(List<RuleSource> sources) {
        List<Problem> problems = new ArrayList<>();
        RuleCollector collector = new RuleCollector(problems);
        for (RuleSource s : sources) {
            for (RuleFileReader.Item item : RuleFileReader.read(s, problems)) {
                collector.collect(item);
            }
        }
        return new RuleCompiler(hostname, time, baselines, maxAggregateKeys, aggregateEvicted)
            .compile(collector, problems);
    }
}
