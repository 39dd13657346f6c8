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
 * @param sharedBaselines the cluster's baselines over Kafka; off unless its {@code url} is set
 */
public record RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch, List<String> baselineSeeds,
                          SharedBaselinesConfig sharedBaselines) {
    public RulesConfig {
        paths = paths != null ? List.copyOf(paths) : List.of();
        includeDefault = includeDefault != null ? includeDefault : Boolean.TRUE;
        watch = watch != null ? watch : Boolean.TRUE;
        baselineSeeds = baselineSeeds != null ? List.copyOf(baselineSeeds) : List.of();
        sharedBaselines = sharedBaselines != null ? sharedBaselines : SharedBaselinesConfig.off();
    }

    public RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch) {
        this(paths, includeDefault, watch, null, null);
    }

    public RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch, List<String> baselineSeeds) {
        this(paths, includeDefault, watch, baselineSeeds, null);
    }

    public static RulesConfig defaults() {
        return new RulesConfig(null, null, null, null, null);
    }

    public RulesConfig withSharedBaselines(SharedBaselinesConfig v) {
        return new RulesConfig(paths, includeDefault, watch, baselineSeeds, v);
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
        sharedBaselines.validate(errors);
    }
}
