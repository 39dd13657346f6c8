package dev.vigil.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar vigil.jar <command>}: the entry point; each command is its own class. */
@Command(name = "vigil", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runtime anomaly detector for Kubernetes nodes.",
    subcommands = {RunCommand.class, ReplayCommand.class, RulesCommand.class, CapsCommand.class, PostureCommand.class})
public final class Main implements Runnable {
    /** Exit code for a bad configuration or command line. */
    public static final int EXIT_USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
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
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"vigil " + (v != null ? v : "dev")};
        }
    }
}
