package dev.vigil.cli;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.SharedBaselinesConfig;
import dev.vigil.config.VigilConfig;
import dev.vigil.rules.BaselineStore;
import dev.vigil.sharing.TopicCopy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code vigil baselines list|export FILE|import FILE}: the learned baselines in the agent's state
 * directory ({@code state.stateDir/baselines}, from {@code --config}). {@code list} prints, per rule and
 * scope, each tuple with when (UTC) and where it was learned; {@code export} writes them to a JSON file
 * (the state file's format: the seed format of {@code rules.baselineSeeds}); {@code import} merges such
 * a file into the state directory (what is known stays; bounds apply). A running agent keeps its own
 * view and writes it on its next save: import while it is stopped, or ship the file as a seed. With
 * {@code --from-topic} / {@code --to-topic}, export reads the shared-baselines topic ({@code
 * rules.sharedBaselines}) and import publishes to it, so a fleet can seed a new cluster from an old one.
 * Exit 1 when a file cannot be read or written, 2 for a bad config.
 */
@Command(name = "baselines", mixinStandardHelpOptions = true,
    description = "Show, export and import learned baselines.",
    subcommands = {BaselinesCommand.ListBaselines.class, BaselinesCommand.Export.class, BaselinesCommand.Import.class})
public final class BaselinesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "missing subcommand: list, export FILE or import FILE");
    }

    /** The options every subcommand takes. */
    static class StateOptions {
        @Option(names = "--config", paramLabel = "FILE", description = "YAML config file: its state.stateDir holds the baselines.")
        Path configFile;

        /** The config file's, or the defaults; a bad config is a usage error (exit 2). */
        VigilConfig config(CommandSpec spec) {
            try {
                return configFile != null ? new ConfigLoader().load(configFile) : VigilConfig.defaults();
            } catch (ConfigException e) {
                throw new ParameterException(spec.commandLine(), e.getMessage());
            }
        }

        /** The config's rules.sharedBaselines; a usage error (exit 2) when it is not set. */
        SharedBaselinesConfig topic(CommandSpec spec) {
            SharedBaselinesConfig s = config(spec).rules().sharedBaselines();
            if (!s.enabled()) {
                throw new ParameterException(spec.commandLine(), "the topic options need rules.sharedBaselines.url in --config");
            }
            return s;
        }

        /** The store in the config's state directory; a bad config is a usage error (exit 2). */
        BaselineStore open(CommandSpec spec) {
            VigilConfig c = config(spec);
            return new BaselineStore(Path.of(c.state().stateDir()).resolve("baselines"), BaselineStore.DEFAULT_MAX_SCOPES,
                BaselineStore.DEFAULT_MAX_TUPLES, new SimpleMeterRegistry());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
        description = "Print per rule and scope the learned tuples, when (UTC) and where learned.")
    static final class ListBaselines extends StateOptions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            String rule = null;
            String scope = null;
            int n = 0;
            for (BaselineStore.Row r : open(spec).rows()) {
                if (!r.rule().equals(rule)) {
                    out.println("rule: " + r.rule());
                    rule = r.rule();
                    scope = null;
                }
                if (!r.scope().equals(scope)) {
                    out.println("  scope: " + r.scope());
                    scope = r.scope();
                }
                int cut = r.tuple().indexOf('\u001f');
                String rest = cut < 0 ? r.tuple() : r.tuple().substring(cut + 1).replace('\u001f', ' ');
                out.println("    " + rest + "  learned " + Instant.ofEpochSecond(0, r.atNanos()) + " on "
                    + (r.where() != null ? r.where() : "<unknown>"));
                n++;
            }
            out.println("baselines: " + n + " tuples");
            out.flush();
            return 0;
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write the learned baselines to FILE (JSON; the format of rules.baselineSeeds).")
    static final class Export extends StateOptions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--from-topic", description = "Export the shared-baselines topic's content "
            + "(rules.sharedBaselines in --config) instead of this node's state.")
        boolean fromTopic;

        @Override
        public Integer call() {
            BaselineStore s;
            if (fromTopic) {
                SharedBaselinesConfig t = topic(spec);
                s = new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES,
                    new SimpleMeterRegistry());
                TopicCopy.Read read = TopicCopy.read(t, s, new SimpleMeterRegistry());
                if (!read.complete()) {
                    spec.commandLine().getErr().println("cannot read the whole topic of " + t.url() + " within "
                        + t.loadTimeoutMillis() + " ms (" + read.records() + " records read)");
                    return 1;
                }
            } else {
                s = open(spec);
            }
            try {
                s.exportTo(file);
            } catch (IOException e) {
                spec.commandLine().getErr().println("cannot write " + file + ": " + e.getMessage());
                return 1;
            }
            spec.commandLine().getOut().println("exported " + s.rows().size() + " tuples to " + file);
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "import", mixinStandardHelpOptions = true,
        description = "Merge FILE (an export) into the learned baselines; what is known stays.")
    static final class Import extends StateOptions implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "FILE")
        Path file;

        @Option(names = "--to-topic", description = "Publish FILE's tuples to the shared-baselines topic "
            + "(rules.sharedBaselines in --config) instead of merging them into this node's state.")
        boolean toTopic;

        @Override
        public Integer call() {
            if (toTopic) {
                return publish();
            }
            BaselineStore s = open(spec);
            int added;
            try {
                added = s.importFrom(file, "import:" + file);
            } catch (IOException | RuntimeException e) {
                spec.commandLine().getErr().println("cannot import " + file + ": " + e.getMessage());
                return 1;
            }
            s.save();
            spec.commandLine().getOut().println("imported " + added + " tuples from " + file);
            spec.commandLine().getOut().flush();
            return 0;
        }

        private int publish() {
            SharedBaselinesConfig t = topic(spec);
            BaselineStore s = new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES,
                new SimpleMeterRegistry());
            int published;
            try {
                s.importFrom(file, "import:" + file);
                published = TopicCopy.publish(t, s.rows(), Stages.hostname(config(spec)));
            } catch (IOException | RuntimeException e) {
                spec.commandLine().getErr().println("cannot publish " + file + ": " + e.getMessage());
                return 1;
            }
            spec.commandLine().getOut().println("published " + published + " tuples from " + file + " to " + t.url());
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
