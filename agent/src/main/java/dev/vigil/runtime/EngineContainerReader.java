package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Reads a Docker Engine API container inspection ({@code GET /containers/{id}/json}, as Docker and
 * Podman's compatible API answer it) into a {@link ContainerIdentity}. Kubernetes' labels on a
 * dockershim or cri-dockerd container ({@code io.kubernetes.pod.name}, {@code .pod.namespace},
 * {@code .pod.uid}, {@code .container.name}) give the pod fields and the container name. Pod labels
 * are not on a container's labels, so they stay empty here.
 *
 * <p>Stateless and thread-safe.
 */
final class EngineContainerReader {
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";

    private final String type;

    /** @param type {@code container.type} and the identity's source: {@code docker} or {@code podman} */
    EngineContainerReader(String type) {
        this.type = type;
    }

    /**
     * The identity in {@code inspect}, or null when it has no {@code Id}.
     *
     * @param digestOf asked for the digest when the reference does not pin one: (image id
     *                 {@code sha256:…}, repository) to a digest or null
     */
    ContainerIdentity read(JsonNode inspect, BiFunction<String, String, String> digestOf) {
        String id = text(inspect, "Id");
        if (id == null) {
            return null;
        }
        JsonNode config = inspect.path("Config");
        Map<String, String> labels = new LinkedHashMap<>();
        config.path("Labels").fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                labels.put(e.getKey(), e.getValue().asText());
            }
        });
        String name = labels.get(CONTAINER_NAME);
        if (name == null) {
            name = text(inspect, "Name");
            if (name != null && name.startsWith("/")) {
                name = name.substring(1);
            }
        }
        String image = text(config, "Image");
        ImageReference ref = ImageReference.parse(image);
        String digest = null;
        if (ref != null) {
            digest = ref.digest();
            String imageId = text(inspect, "Image");
            if (digest == null && imageId != null) {
                digest = digestOf.apply(imageId, ref.repository());
            }
        }
        JsonNode privileged = inspect.path("HostConfig").path("Privileged");
        return new ContainerIdentity(id, type, name, image,
            ref != null ? ref.repository() : null, ref != null ? ref.tag() : null, digest,
            privileged.isBoolean() ? privileged.booleanValue() : null, labels,
            labels.get(POD_NAME), labels.get(POD_NAMESPACE), labels.get(POD_UID), Map.of(), type);
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.path(field);
        return v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
    }
}
