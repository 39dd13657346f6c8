package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.Map;

/**
 * Reads who a container is from the annotations a CRI runtime writes into its OCI spec, and from the
 * Kubernetes labels the kubelet puts on every container. containerd's CRI plugin:
 * {@code io.kubernetes.cri.container-type} ({@code sandbox}|{@code container}), {@code …sandbox-name},
 * {@code …sandbox-namespace}, {@code …sandbox-uid}, {@code …container-name}, {@code …image-name}. CRI-O:
 * {@code io.kubernetes.cri-o.ContainerType}, {@code …ImageName}, {@code …KubeName} (the pod, on a sandbox),
 * {@code …Labels} (the container's labels as JSON). Kubelet labels: {@code io.kubernetes.pod.name},
 * {@code …pod.namespace}, {@code …pod.uid}, {@code io.kubernetes.container.name}.
 *
 * <p>A pod sandbox (the {@code pause} container) is a container too: its name is the pod's name. Stateless.
 */
final class KubernetesAnnotations {
    static final String CRI = "io.kubernetes.cri.";
    static final String CRIO = "io.kubernetes.cri-o.";
    static final String POD_NAME = "io.kubernetes.pod.name";
    static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    static final String POD_UID = "io.kubernetes.pod.uid";
    static final String CONTAINER_NAME = "io.kubernetes.container.name";
    private static final ObjectMapper JSON = new ObjectMapper();

    private KubernetesAnnotations() {
    }

    /** True when the annotations come from CRI-O rather than containerd's CRI plugin. */
    static boolean fromCrio(Map<String, String> annotations) {
        return annotations.containsKey(CRIO + "ContainerType") || annotations.containsKey(CRIO + "Labels");
    }

    /** True for a pod sandbox's spec. */
    static boolean isSandbox(Map<String, String> annotations) {
        return "sandbox".equals(annotations.get(CRI + "container-type"))
            || "sandbox".equals(annotations.get(CRIO + "ContainerType"));
    }

    /** Fills what the annotations and labels tell into {@code b}; what {@code b} already has stays. */
    static void apply(Map<String, String> annotations, Map<String, String> labels, IdentityBuilder b) {
        Map<String, String> crioLabels = crioLabels(annotations.get(CRIO + "Labels"));
        boolean sandbox = isSandbox(annotations);
        b.pod(annotations.get(CRI + "sandbox-name"), annotations.get(CRI + "sandbox-namespace"),
            annotations.get(CRI + "sandbox-uid"));
        b.pod(crioLabels.get(POD_NAME), crioLabels.get(POD_NAMESPACE), crioLabels.get(POD_UID));
        b.pod(labels.get(POD_NAME), labels.get(POD_NAMESPACE), labels.get(POD_UID));
        if (sandbox) {
            b.pod(annotations.get(CRIO + "KubeName"), null, null);
            b.name(b.podName);
        } else {
            b.name(annotations.get(CRI + "container-name"));
            b.name(crioLabels.get(CONTAINER_NAME));
            b.name(labels.get(CONTAINER_NAME));
            b.image(annotations.get(CRI + "image-name"));
            b.image(annotations.get(CRIO + "ImageName"));
        }
        if (b.labels.isEmpty()) {
            b.labels.putAll(crioLabels);
        }
    }

    private static Map<String, String> crioLabels(String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            JsonNode n = JSON.readTree(json);
            Map<String, String> out = new java.util.LinkedHashMap<>();
            n.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
            return out;
        } catch (IOException e) {
            return Map.of();
        }
    }
}
