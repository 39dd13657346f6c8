package dev.vigil.config;

import java.util.List;

/**
 * Which rule files load, and what baselines they start from.
 *
 * @param paths          rule files or directories of *.yaml, loaded in order after the default set
 * @param includeDefault load the embedded default ruleset first
 * @param watch          reload when a rule file changes (as on SIGHUP)
 * @param baselineSeeds  files of known-good baselines ({@code vigil baselines export}'s format) merged
 *                       into the learned baselines at start; a file that cannot be read stops the start
 */
public record RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch, List<String> baselineSeeds) {
    public RulesConfig {
        paths = paths != null ? List.copyOf(paths) : List.of();
        includeDefault = includeDefault != null ? includeDefault : Boolean.TRUE;
        watch = watch != null ? watch : Boolean.TRUE;
        baselineSeeds = baselineSeeds != null ? List.copyOf(baselineSeeds) : List.of();
    }

    public RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch) {
        this(paths, includeDefault, watch, null);
    }

    public static RulesConfig defaults() {
        return new RulesConfig(null, null, null, null);
    }

    void validate(List<String> errors) {
        for (String p : paths) {
            if (p == null || p.isBlank()) {
                errors.add("rules.paths must not hold empty paths");
            }
        }
        for (String p : baselineSeeds) {
            if (p == null || p.isBlank()) {
                errors.add("rules.baselineSeeds must not hold empty paths");
            }
        }
    }
}
