package dev.vigil.rules;

import dev.vigil.alert.Priority;

import java.util.List;

/**
 * One rule ready to run: its predicate, the event types it can match, its output, and optionally its
 * aggregate or baseline state. Immutable apart from that state (matching thread only).
 */
final class CompiledRule {
    final String name;
    final Priority priority;
    final List<String> tags;
    final Check check;
    final EventTypeSet types;
    final OutputFormat output;
    /** Null unless the rule has {@code aggregate}. */
    final Aggregator aggregate;
    /** Null unless the rule has {@code baseline}. */
    final BaselineSpec baseline;

    CompiledRule(String name, Priority priority, List<String> tags, Check check, EventTypeSet types,
                 OutputFormat output, Aggregator aggregate, BaselineSpec baseline) {
        this.name = name;
        this.priority = priority;
        this.tags = List.copyOf(tags);
        this.check = check;
        this.types = types;
        this.output = output;
        this.aggregate = aggregate;
        this.baseline = baseline;
    }

    /** A rule's {@code baseline: {key, learn}}: key fields (the first is the scope) and the learning period. */
    record BaselineSpec(List<OutputField> key, long learnNanos) {
        String scope(dev.vigil.event.Event e) {
            return key.get(0).text(e, -1);
        }

        /**
         * Whether the event names its scope. Without it (e.g. no image known for the container) there
         * is nothing to learn per scope, and lumping every unnamed scope together would let one
         * container's learning silence another's: such a match is judged with no baseline, so it fires.
         */
        boolean hasScope(dev.vigil.event.Event e) {
            return key.get(0).value(e, -1) != null;
        }

        /**
         * Whether the scope is a field the alert stage fills from the container's identity when the
         * runtime describes the container (dev.vigil.alert.IdentityFields.fill), so a match without it
         * can be judged there.
         */
        boolean scopedByIdentity() {
            return IDENTITY_SCOPES.contains(key.get(0).name);
        }

        private static final java.util.Set<String> IDENTITY_SCOPES = java.util.Set.of(
            dev.vigil.alert.IdentityFields.IMAGE_REPOSITORY, dev.vigil.alert.IdentityFields.CONTAINER_NAME,
            dev.vigil.alert.IdentityFields.POD_NAME, dev.vigil.alert.IdentityFields.NAMESPACE);

        String tuple(dev.vigil.event.Event e) {
            return scope(e) + tupleAfterScope(e);
        }

        /** The tuple without its scope: each further key field's value after a U+001F. */
        String tupleAfterScope(dev.vigil.event.Event e) {
            StringBuilder sb = new StringBuilder();
            for (int i = 1; i < key.size(); i++) {
                sb.append('\u001f').append(key.get(i).text(e, -1));
            }
            return sb.toString();
        }
    }
}
