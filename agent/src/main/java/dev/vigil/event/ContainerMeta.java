package dev.vigil.event;

/**
 * What an event's container carries beyond its flat fields: the container's and its pod's labels
 * ({@code container.label[KEY]}, {@code k8s.pod.label[KEY]}), read by key. The state stage sets it on
 * a slot ({@link Event#setContainerMeta}) as one reference, so that no label is copied per event; the
 * rules read it. Implementations are immutable and thread-safe; a lookup allocates nothing.
 */
public interface ContainerMeta {
    /** The container's label {@code key}, or null when it has none. */
    String containerLabel(String key);

    /** The container's pod's label {@code key}, or null when it has none (or no pod). */
    String podLabel(String key);
}
