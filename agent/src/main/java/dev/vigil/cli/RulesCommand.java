package dev.vigil.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** {@code vigil rules …}: the group of rule file tools ({@code check}, {@code test}). Alone, prints its usage. */
@Command(name = "rules", mixinStandardHelpOptions = true, description = "Rule file tools.",
    subcommands = {RulesCheckCommand.class, RulesTestCommand.class})
public final class RulesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 2;
    }
}
