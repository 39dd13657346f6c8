package dev.vigil.cli;

import dev.vigil.rules.LoadResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RulesetLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vigil rules check PATH…}: loads the rule files together, in order (a directory stands for
 * its *.yaml files), and prints every problem as {@code file:line: reason}, then
 * {@code rules: N loaded, M skipped, E errors}. Exit status 1 when there is any error, else 0.
 * The embedded default ruleset is loaded first only with {@code --include-default}. Neither a path
 * nor {@code --include-default} is a usage error (exit 2).
 */
@Command(name = "check", mixinStandardHelpOptions = true,
    description = "Validate rule files loaded together in order; exit 1 on any error.")
public final class RulesCheckCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "0..*", description = "rule files or directories, in load order")
    List<Path> paths = List.of();

    @Option(names = "--include-default", description = "load the embedded default ruleset first")
    boolean includeDefault;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (paths.isEmpty() && !includeDefault) {
            // Checking nothing and reporting "0 errors" would pass a CI step that lost its arguments.
            throw new ParameterException(spec.commandLine(),
                "no rule file to check: give one or more PATHs (or --include-default for the embedded ruleset)");
        }
        PrintWriter out = spec.commandLine().getOut();
        LoadResult r = RulesetLoader.forCheck().load(paths, includeDefault);
        for (Problem p : r.problems()) {
            out.println(p);
        }
        out.println(r.summary());
        out.flush();
        return r.errors() > 0 ? 1 : 0;
    }
}
