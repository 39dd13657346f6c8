package dev.vigil.runtime;

import java.util.function.Consumer;

/**
 * What the state and alert stages see of the runtimes: identities pushed to the pipeline thread, and a
 * thread-safe lookup for the alert stage's late re-enrichment. Implemented by the runtime room's
 * resolver; {@link #NONE} when no runtime is configured (replay, tests): identity from the wire only.
 */
public interface IdentitySource extends AutoCloseable {
    /**
     * Asks that a container the pipeline met without an identity be looked up. Non-blocking (a bounded
     * queue; a full queue drops the request, counted); the answer arrives through {@link #drain}.
     *
     * @param containerId the short (12-char) or full id as the state stage knows it
     */
    void request(String containerId);

    /**
     * Hands every update waiting since the last call to {@code sink}, in order, and returns how many.
     * An update is an identity (created, started, looked up) or a deletion ({@link Update#deleted()}).
     * Pipeline thread only; allocates nothing when there is nothing to hand over.
     */
    int drain(Consumer<Update> sink);

    /** The identity of a container by its short or full id, or null. Thread-safe; may allocate. */
    ContainerIdentity lookup(String containerId);

    /**
     * Whether a runtime is still being asked about this container (a lookup queued or running, or the
     * better-ranked runtimes asked again because they did not know it yet): what it knows may still grow.
     * Thread-safe, never blocks. The alert stage waits a little longer for such a container.
     */
    default boolean resolving(String containerId) {
        return false;
    }

    @Override
    void close();

    /** One change of the runtimes' container set. */
    record Update(String id, ContainerIdentity identity) {
        /** The container was deleted: its entry may leave the table. */
        public boolean deleted() {
            return identity == null;
        }
    }

    IdentitySource NONE = new IdentitySource() {
        @Override
        public void request(String containerId) {
        }

        @Override
        public int drain(Consumer<Update> sink) {
            return 0;
        }

        @Override
        public ContainerIdentity lookup(String containerId) {
            return null;
        }

        @Override
        public void close() {
        }
    };
}
