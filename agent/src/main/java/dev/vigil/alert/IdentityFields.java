package dev.vigil.alert;

import dev.vigil.runtime.ContainerIdentity;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads and writes a container's identity in an alert's {@code output_fields}, by Falco's field names
 * (the wire names: the alert stage does not depend on the rules stage's field table). Stateless;
 * thread-safe. Allocates per call (alerts are rare).
 */
public final class IdentityFields {
    /** The {@code container.id} of host processes (the state stage's constant, by value). */
    public static final String HOST = "host";

    public static final String CONTAINER_ID = "container.id";
    public static final String CONTAINER_NAME = "container.name";
    public static final String IMAGE = "container.image";
    public static final String IMAGE_REPOSITORY = "container.image.repository";
    public static final String IMAGE_TAG = "container.image.tag";
    public static final String IMAGE_DIGEST = "container.image.digest";
    public static final String CONTAINER_TYPE = "container.type";
    public static final String PRIVILEGED = "container.privileged";
    public static final String POD_NAME = "k8s.pod.name";
    public static final String NAMESPACE = "k8s.ns.name";
    public static final String POD_UID = "k8s.pod.uid";

    private static final String[] CONTAINER_LABEL = {"container.label[", "container.label."};
    private static final String[] POD_LABEL = {"k8s.pod.label[", "k8s.pod.label."};

    private IdentityFields() {
    }

    /**
     * The container an alert names: its {@code container.id} output field, or null for a host process
     * ({@code host}) or an alert without one.
     */
    public static String containerId(Alert a) {
        Object id = a.outputFields() == null ? null : a.outputFields().get(CONTAINER_ID);
        if (id == null) {
            return null;
        }
        String s = id.toString();
        return s.isEmpty() || s.equals(HOST) ? null : s;
    }

    /**
     * Whether the alert already names its workload: its image ({@code container.image.repository}) and
     * its name. One without the other is not enough: a runtime may describe a container before the source
     * that knows the rest (containerd's own API before its CRI names a kubelet's container's image, and
     * before Docker's Engine API names a Docker container).
     */
    public static boolean present(Alert a) {
        Map<String, Object> f = a.outputFields();
        return f != null && f.get(IMAGE_REPOSITORY) != null && f.get(CONTAINER_NAME) != null;
    }

    /** Whether a runtime's identity is complete enough to send the alert with: it names image and container. */
    public static boolean complete(ContainerIdentity c) {
        return c != null && c.imageRepository() != null && c.name() != null;
    }

    /**
     * The alert with the identity filled in: the workload fields every alert carries (name, image
     * repository and tag, pod, namespace) where the runtime knows them, and any other identity field
     * the rule's output names (image, digest, type, privileged, pod uid, labels); what the runtime says
     * wins over what the event carried. The output is rendered again when the alert has its template.
     */
    public static Alert fill(Alert a, ContainerIdentity c) {
        Map<String, Object> f = new LinkedHashMap<>();
        if (a.outputFields() != null) {
            f.putAll(a.outputFields());
        }
        put(f, CONTAINER_NAME, c.name(), true);
        put(f, IMAGE_REPOSITORY, c.imageRepository(), true);
        put(f, IMAGE_TAG, c.imageTag(), true);
        put(f, NAMESPACE, c.podNamespace(), true);
        put(f, POD_NAME, c.podName(), true);
        put(f, IMAGE, c.image(), false);
        put(f, IMAGE_DIGEST, c.imageDigest(), false);
        put(f, CONTAINER_TYPE, c.type(), false);
        put(f, PRIVILEGED, c.privileged(), false);
        put(f, POD_UID, c.podUid(), false);
        for (Map.Entry<String, Object> e : f.entrySet()) {
            String label = label(e.getKey(), CONTAINER_LABEL);
            if (label != null && c.labels().get(label) != null) {
                e.setValue(c.labels().get(label));
            }
            label = label(e.getKey(), POD_LABEL);
            if (label != null && c.podLabels().get(label) != null) {
                e.setValue(c.podLabels().get(label));
            }
        }
        return a.withOutputFields(f);
    }

    /** Sets a known value; a field the rule did not name is added only when {@code always}. */
    private static void put(Map<String, Object> f, String name, Object value, boolean always) {
        if (value != null && (always || f.containsKey(name))) {
            f.put(name, value);
        }
    }

    /** The KEY of {@code prefix[KEY]} or {@code prefix.KEY}, or null. */
    private static String label(String field, String[] prefixes) {
        if (field.startsWith(prefixes[0]) && field.endsWith("]")) {
            return field.substring(prefixes[0].length(), field.length() - 1);
        }
        if (field.startsWith(prefixes[1]) && field.length() > prefixes[1].length()) {
            return field.substring(prefixes[1].length());
        }
        return null;
    }
}
