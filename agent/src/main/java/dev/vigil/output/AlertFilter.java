package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Priority;
import java.util.List;
import java.util.Set;

/**
 * Which alerts a sink takes: at least {@code minPriority}; if {@code rules} is non-empty, only those
 * rules; if {@code tags} is non-empty, only alerts with at least one of those tags. Immutable.
 */
public record AlertFilter(Priority minPriority, Set<String> rules, Set<String> tags) {
    public static final AlertFilter ALL = new AlertFilter(Priority.DEBUG, Set.of(), Set.of());

    public static AlertFilter of(String minPriority, List<String> rules, List<String> tags) {
        return new AlertFilter(Priority.parse(minPriority), Set.copyOf(rules), Set.copyOf(tags));
    }

    public boolean accepts(Alert a) {
        if (!a.priority().atLeast(minPriority)) {
            return false;
        }
        if (!rules.isEmpty() && !rules.contains(a.rule())) {
            return false;
        }
        if (!tags.isEmpty()) {
            if (a.tags() == null) {
                return false;
            }
            for (String t : a.tags()) {
                if (tags.contains(t)) {
                    return true;
                }
            }
            return false;
        }
        return true;
    }
}
