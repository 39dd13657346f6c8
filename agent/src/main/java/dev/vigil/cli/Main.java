package dev.vigil.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar vigil.jar <command>}: the entry point; each command is its own class. */
@Command(name = "vigil", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runtime anomaly detector for Kubernetes nodes.",
    subcommands = {RunCommand.class, ReplayCommand.class, RulesCommand.class, CapsCommand.class, PostureCommand.class,
        BaselinesCommand.class})
public final class Main implements Callable<Integer> {
    /** Exit code for a bad configuration or command line. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** No command is a bad command line: the usage, on stderr, and exit 2 (as for an unknown command). */
    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        err.println("Missing command.");
        spec.commandLine().usage(err);
        err.flush();
        return EXIT_USAGE;
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command tree, for main and for tests. */
    public static CommandLine commandLine() {
        // picocli exits 2 (EXIT_USAGE) on invalid input by default.
        CommandLine cl = new CommandLine(new Main());
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"vigil " + Stages.version()};
        }
    }
}
