package dev.vigil.runtime;

import dev.vigil.config.RuntimeConfig;
import io.micrometer.core.instrument.MeterRegistry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the runtime room from config: one client per configured source, in the configured order, and the
 * resolver over them. Building connects nothing: a socket that is missing now is not an error here (it
 * is logged and counted when first called, and used once it appears).
 *
 * <p>Sources: {@code containerd} gives two clients on containerd's socket — its CRI ({@code containerd-cri},
 * for the kubelet's pods) then its own API ({@code containerd}, namespaces from config, with the event
 * stream); {@code crio} gives a CRI client on CRI-O's socket; {@code oci} reads the bundles under the state
 * directories; {@code docker} and {@code podman} give an Engine API client on their sockets (Podman serves
 * Docker's API).
 */
public final class RuntimeClients {
    private RuntimeClients() {
    }

    /** The clients for {@code config.sources()}, in order. */
    public static List<RuntimeClient> clients(RuntimeConfig config) {
        long timeout = config.requestTimeoutMillis();
        List<RuntimeClient> out = new ArrayList<>();
        for (String source : config.sources()) {
            switch (source) {
                case "containerd" -> {
                    out.add(new CriClient("containerd-cri", "containerd", config.containerdSocket(), timeout));
                    out.add(new ContainerdClient(config.containerdSocket(), config.containerdNamespaces(), timeout));
                }
                case "crio" -> out.add(new CriClient("crio", "cri-o", config.crioSocket(), timeout));
                case "docker" -> out.add(new DockerEngineClient("docker", Path.of(config.dockerSocket()),
                    Duration.ofMillis(timeout)));
                case "podman" -> out.add(new DockerEngineClient("podman", Path.of(config.podmanSocket()),
                    Duration.ofMillis(timeout)));
                case "oci" -> out.add(new OciBundleClient(config.stateDirs()));
                default -> throw new IllegalArgumentException("unknown runtime source '" + source + "'");
            }
        }
        return out;
    }

    /**
     * The resolver over {@link #clients}; not started ({@link RuntimeIdentityResolver#start}). With no source
     * configured it still works, and knows nothing.
     */
    public static RuntimeIdentityResolver fromConfig(RuntimeConfig config, MeterRegistry registry) {
        return new RuntimeIdentityResolver(clients(config), registry,
            Duration.ofMillis(2L * config.requestTimeoutMillis()), RuntimeIdentityResolver.DEFAULT_MAX_CONTAINERS,
            RuntimeIdentityResolver.DEFAULT_QUEUE_CAPACITY);
    }
}
