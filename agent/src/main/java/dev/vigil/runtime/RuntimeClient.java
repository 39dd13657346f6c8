package dev.vigil.runtime;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * One container runtime's view of its containers (containerd's CRI or own API, CRI-O, Docker, Podman,
 * the OCI bundles on disk). Adding a runtime is adding one implementation; nothing else changes.
 *
 * <p>Threading: called from the runtime thread ({@code vigil-runtime}) only, never from the pipeline.
 * Every call is bounded by the configured request timeout and throws {@link IOException} when the
 * runtime is missing, refuses or times out.
 */
public interface RuntimeClient extends AutoCloseable {
    /** A short stable name for logs and metric tags: {@code containerd-cri}, {@code docker}, … */
    String name();

    /** Every container the runtime runs now (at start, and after a lost event stream). */
    List<ContainerIdentity> list() throws IOException;

    /** One container by its full id or the 12-char short id, or empty when this runtime does not know it. */
    Optional<ContainerIdentity> inspect(String id) throws IOException;

    /**
     * Follows the runtime's container events (create, start, delete) and reports them to
     * {@code listener}, until {@link #close()} or an error, which it throws; the caller reconnects.
     * A runtime with no event stream returns at once (it is then only listed and inspected).
     */
    void watch(Listener listener) throws IOException;

    @Override
    void close();

    /** Receives a runtime's container events, on the thread that called {@link #watch}. */
    interface Listener {
        /** A container was created or started (or changed): its identity as now known. */
        void upsert(ContainerIdentity identity);

        /** A container was deleted; {@code id} is its full id. */
        void deleted(String id);
    }
}
