package dev.vigil.cli;

import dev.vigil.config.ConfigException;
import dev.vigil.config.RulesConfig;
import dev.vigil.config.VigilConfig;
import dev.vigil.rules.LoadResult;
import dev.vigil.rules.Problem;
import dev.vigil.rules.RulesetLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code vigil rules test PATH…}: loads the rule files together, in order (a directory stands for
 * its *.yaml files; the embedded default ruleset first only with {@code --include-default}), then, for
 * every rule file with a fixture beside it ({@code tests/NAME.events.jsonl} and
 * {@code tests/NAME.expected.json}, see {@link RuleFixtures}), replays the fixture's events through
 * that ruleset and prints, per rule, what fired against what was expected; then
 * {@code rules test: F fixtures, R rules as expected, M mismatches}. The rule files' problems (as
 * {@code rules check} prints them) come first.
 *
 * <p>Exit status: 0 when every fixture matches; 1 on a mismatch, a rule file with errors (printed as
 * {@code rules check} prints them), an unreadable fixture, or no fixture at all (testing nothing must
 * not pass); 2 for a usage error (no PATH).
 */
@Command(name = "test", mixinStandardHelpOptions = true,
    description = "Run rule files against their fixture events (tests/NAME.events.jsonl) and expected alerts "
        + "(tests/NAME.expected.json) beside each file; exit 1 on a mismatch.")
public final class RulesTestCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATH", arity = "1..*", description = "rule files or directories, in load order")
    List<Path> paths = List.of();

    @Option(names = "--include-default", description = "load the embedded default ruleset first")
    boolean includeDefault;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try {
            return test(out);
        } finally {
            out.flush();
        }
    }

    private int test(PrintWriter out) {
        LoadResult check = RulesetLoader.forCheck().load(paths, includeDefault);
        check.problems().forEach(out::println);
        if (check.errors() > 0) {
            out.println(check.summary());
            return 1;
        }
        VigilConfig config = VigilConfig.defaults().withRules(new RulesConfig(
            paths.stream().map(Path::toString).toList(), includeDefault, false));
        List<RuleFixtures.Fixture> fixtures = new ArrayList<>();
        for (Path file : RulesetLoader.expand(paths)) {
            RuleFixtures.Fixture f = RuleFixtures.Fixture.of(file);
            if (f.exists()) {
                fixtures.add(f);
            } else {
                out.println(file + ": no fixture (" + f.events() + " and " + f.expected() + ")");
            }
        }
        if (fixtures.isEmpty()) {
            out.println("rules test: no fixture found: nothing tested");
            return 1;
        }
        int asExpected = 0;
        int mismatches = 0;
        for (RuleFixtures.Fixture f : fixtures) {
            RuleFixtures.Outcome o;
            try {
                o = RuleFixtures.run(config, f);
            } catch (IOException | ConfigException e) {
                out.println(f.ruleFile() + ": cannot run its fixture: " + e.getMessage());
                mismatches++;
                continue;
            }
            out.println(f.ruleFile() + ": " + f.events() + " (" + o.received() + " events)");
            for (RuleFixtures.RuleCount r : o.rules()) {
                if (r.ok()) {
                    asExpected++;
                } else {
                    mismatches++;
                }
                String want = r.expected() == RuleFixtures.RuleCount.NOT_LISTED ? "not listed" : "expected " + r.expected();
                out.println("  " + (r.ok() ? "ok      " : "MISMATCH") + " " + r.rule() + ": fired " + r.fired() + ", " + want);
            }
            if (o.received() != o.processed()) {
                mismatches++;
                out.println("  MISMATCH " + (o.received() - o.processed()) + " of " + o.received()
                    + " event lines not processed, rejected: " + o.rejected());
            }
        }
        out.println("rules test: " + fixtures.size() + " fixtures, " + asExpected + " rules as expected, "
            + mismatches + " mismatches");
        return mismatches > 0 ? 1 : 0;
    }
}
