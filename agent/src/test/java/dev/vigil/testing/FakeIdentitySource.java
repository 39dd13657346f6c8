package dev.vigil.testing;

import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * An IdentitySource for stage tests: updates are queued by the test ({@link #upsert}, {@link #delete})
 * and handed over by {@link #drain}; requests are recorded. Single-threaded.
 */
public final class FakeIdentitySource implements IdentitySource {
    private final ArrayDeque<Update> queue = new ArrayDeque<>();
    public final List<String> requests = new ArrayList<>();

    public FakeIdentitySource upsert(ContainerIdentity identity) {
        queue.add(new Update(identity.id(), identity));
        return this;
    }

    public FakeIdentitySource delete(String id) {
        queue.add(new Update(id, null));
        return this;
    }

    /** A Kubernetes container's identity with every field set. */
    public static ContainerIdentity pod(String id, String name, String image, boolean privileged) {
        int colon = image.lastIndexOf(':');
        return new ContainerIdentity(id, "containerd", name, image, image.substring(0, colon),
            image.substring(colon + 1), "sha256:4f2a", privileged, Map.of("app", name), "web-7d9f", "shop",
            "0f6c-uid", Map.of("team", "payments"), "containerd-cri");
    }

    @Override
    public void request(String containerId) {
        requests.add(containerId);
    }

    @Override
    public int drain(Consumer<Update> sink) {
        int n = 0;
        for (Update u; (u = queue.poll()) != null; n++) {
            sink.accept(u);
        }
        return n;
    }

    @Override
    public ContainerIdentity lookup(String containerId) {
        return null;
    }

    @Override
    public void close() {
    }
}
