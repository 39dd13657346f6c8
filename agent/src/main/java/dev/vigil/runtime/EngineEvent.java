package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * One container event of the Engine API's {@code /events} stream, reduced to what the identity table
 * needs. Docker reports a removed container as {@code destroy}, Podman's compatible API as
 * {@code remove}; both are {@link Kind#DELETED}. Immutable.
 *
 * @param kind what happened
 * @param id   the container's full id
 */
record EngineEvent(Kind kind, String id) {
    /** The actions asked for in the stream's filter. */
    static final Set<String> ACTIONS = Set.of("create", "start", "destroy", "remove");

    enum Kind { UPSERT, DELETED }

    /** The event in {@code json}, or null for one that is not a container create, start or removal. */
    static EngineEvent of(JsonNode json) {
        String type = json.path("Type").asText("");
        if (!type.isEmpty() && !type.equals("container")) {
            return null;
        }
        String action = json.path("Action").asText("");
        if (action.isEmpty()) {
            action = json.path("status").asText("");
        }
        String id = json.path("Actor").path("ID").asText("");
        if (id.isEmpty()) {
            id = json.path("id").asText("");
        }
        if (id.isEmpty()) {
            return null;
        }
        return switch (action) {
            case "create", "start" -> new EngineEvent(Kind.UPSERT, id);
            case "destroy", "remove" -> new EngineEvent(Kind.DELETED, id);
            default -> null;
        };
    }
}
