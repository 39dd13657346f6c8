package dev.vigil.config;

import java.util.List;

/**
 * Which rule files load.
 *
 * @param paths          rule files or directories of *.yaml, loaded in order after the default set
 * @param includeDefault load the embedded default ruleset first
 * @param watch          reload when a rule file changes (as on SIGHUP)
 */
public record RulesConfig(List<String> paths, Boolean includeDefault, Boolean watch) {
    public RulesConfig {
        paths = paths != null ? List.copyOf(paths) : List.of();
        includeDefault = includeDefault != null ? includeDefault : Boolean.TRUE;
        watch = watch != null ? watch : Boolean.TRUE;
    }

    public static RulesConfig defaults() {
        return new RulesConfig(null, null, null);
    }

    void validate(List<String> errors) {
        for (String p : paths) {
            if (p == null || p.isBlank()) {
                errors.add("rules.paths must not hold empty paths");
            }
        }
    }
}
