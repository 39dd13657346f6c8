package dev.vigil.cli;

import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.RulesConfig;
import dev.vigil.config.VigilConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options shared by run and replay: the config file, and flags that override it. */
final class ConfigOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "YAML config file (see README).")
    Path configFile;

    @Option(names = "--rules", paramLabel = "PATH",
        description = "Rule file or directory (repeatable); replaces rules.paths from the config. "
            + "The embedded default ruleset still loads first unless --no-default-rules.")
    List<Path> rules = new ArrayList<>();

    @Option(names = "--no-default-rules", description = "Do not load the embedded default ruleset.")
    boolean noDefaultRules;

    /** The config file's values with these flags over them; validated. */
    VigilConfig load() throws ConfigException {
        VigilConfig c = configFile != null ? new ConfigLoader().load(configFile) : VigilConfig.defaults();
        if (!rules.isEmpty() || noDefaultRules) {
            RulesConfig r = c.rules();
            List<String> paths = rules.isEmpty() ? r.paths() : rules.stream().map(Path::toString).toList();
            c = c.withRules(new RulesConfig(paths, noDefaultRules ? Boolean.FALSE : r.includeDefault(), r.watch(),
                r.baselineSeeds(), r.sharedBaselines()));
        }
        return c;
    }
}
