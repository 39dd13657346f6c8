package dev.vigil.state;

import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import java.util.function.Consumer;

/**
 * The runtime's identities into the container table. An upsert creates the container's entry (with
 * its identity and short id text) even before any of its processes is seen, so that the container's
 * first event finds it; a deletion drops the identity and removes the entry at once when no process
 * lives in it, else marks it to leave with its last process. A container met without an identity is
 * asked for ({@link IdentitySource#request}) once, and again at most every
 * {@link #REQUEST_RETRY_NANOS} while unresolved, never per event.
 *
 * <p>Threading: pipeline thread only: {@link #drain()} at the end of each batch, and
 * {@link #resolve} inline for every event in a container (an update queued since the last batch end is
 * then not missed). Allocates nothing when the source has nothing to hand over.
 */
final class ContainerIdentities {
    /** An unresolved container is asked for again at most this often. */
    static final long REQUEST_RETRY_NANOS = 5_000_000_000L;

    private final IdentitySource source;
    private final ContainerTable containers;
    private final ContainerLinks links;
    private final Consumer<IdentitySource.Update> apply = this::apply;

    ContainerIdentities(IdentitySource source, ContainerTable containers, ContainerLinks links) {
        this.source = source;
        this.containers = containers;
        this.links = links;
    }

    /** Applies every update the source holds; returns how many. */
    int drain() {
        return source.drain(apply);
    }

    /**
     * For an event in container entry {@code c}: applies what the source holds (one empty-queue check
     * when nothing: an update queued since the last batch end, a first identity or a better one, is then
     * not missed), then, when the container has no identity, asks for it if due. Returns the entry of
     * the container afterwards (updates may move entries), or -1 if it left.
     */
    int resolve(int c, long nowNanos) {
        long key = containers.key[c];
        if (source.drain(apply) > 0) {
            c = containers.find(key);
            if (c < 0 || containers.identity[c] != null) {
                return c;
            }
        }
        if (containers.identity[c] != null) {
            return c;
        }
        String text = containers.idText[c];
        if (text != null && (!containers.identityRequested[c] || nowNanos - containers.nextRequestNanos[c] >= 0)) {
            containers.identityRequested[c] = true;
            containers.nextRequestNanos[c] = nowNanos + REQUEST_RETRY_NANOS;
            source.request(text);
        }
        return c;
    }

    private void apply(IdentitySource.Update u) {
        String id = u.id();
        if (id == null || id.isEmpty()) {
            return;
        }
        char[] a = id.toCharArray(); // an update is rare (a container created or deleted): allocation is fine
        int len = Math.min(a.length, ContainerIds.SHORT_LENGTH);
        long key = ContainerIds.key(a, 0, len);
        if (key < 0) {
            return;
        }
        int c = containers.find(key);
        if (u.deleted()) {
            if (c >= 0) {
                containers.setIdentity(c, null);
                if (containers.live[c] <= 0) {
                    containers.remove(c);
                } else {
                    containers.deleted[c] = true;
                }
            }
            return;
        }
        ContainerIdentity identity = u.identity();
        if (c < 0) {
            c = links.containerFor(key, null, ContainerLinks.shortIdText(key, a, 0, len));
        }
        containers.setIdentity(c, identity);
        containers.deleted[c] = false;
        if (Boolean.TRUE.equals(identity.privileged())) {
            containers.privileged[c] = true;
        }
    }
}
