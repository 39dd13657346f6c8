package dev.vigil.config;

import java.util.List;
import java.util.Set;

/**
 * Where the agent asks the node's container runtimes who a container is (YAML: {@code runtime}).
 * Every source is optional: one that is missing or refused is logged once and counted, and the agent
 * works on with what the others (or the wire) give.
 *
 * @param sources              the sources to try, in order; default all of {@link #ALL_SOURCES}
 * @param containerdSocket     containerd's gRPC socket (its CRI and its own API); Falco's default path
 * @param crioSocket           CRI-O's CRI socket
 * @param dockerSocket         the Docker Engine API socket
 * @param podmanSocket         Podman's API socket (Docker-compatible)
 * @param containerdNamespaces containerd namespaces whose containers are watched through containerd's
 *                             own API ({@code ctr}, {@code nerdctl}, Docker on containerd); also the
 *                             first path segment of containerd's native cgroup layout {@code /<ns>/<id>}
 * @param stateDirs            runtime state directories read by the {@code oci} fallback (the OCI
 *                             bundles' {@code config.json}), for an agent with read-only mounts but
 *                             no socket
 * @param requestTimeoutMillis one call to a runtime; a slower answer counts as an error
 */
public record RuntimeConfig(List<String> sources, String containerdSocket, String crioSocket, String dockerSocket,
                            String podmanSocket, List<String> containerdNamespaces, List<String> stateDirs,
                            Integer requestTimeoutMillis) {
    public static final List<String> ALL_SOURCES = List.of("containerd", "crio", "docker", "podman", "oci");
    public static final String DEFAULT_CONTAINERD_SOCKET = "/run/containerd/containerd.sock";
    public static final String DEFAULT_CRIO_SOCKET = "/run/crio/crio.sock";
    public static final String DEFAULT_DOCKER_SOCKET = "/var/run/docker.sock";
    public static final String DEFAULT_PODMAN_SOCKET = "/run/podman/podman.sock";
    public static final List<String> DEFAULT_CONTAINERD_NAMESPACES = List.of("k8s.io", "moby", "default");
    /** containerd's v2 shim bundles (one directory per namespace, then per container id). */
    public static final List<String> DEFAULT_STATE_DIRS = List.of("/run/containerd/io.containerd.runtime.v2.task");
    public static final int DEFAULT_REQUEST_TIMEOUT_MILLIS = 2_000;

    public RuntimeConfig {
        sources = sources != null ? List.copyOf(sources) : ALL_SOURCES;
        containerdSocket = containerdSocket != null ? containerdSocket : DEFAULT_CONTAINERD_SOCKET;
        crioSocket = crioSocket != null ? crioSocket : DEFAULT_CRIO_SOCKET;
        dockerSocket = dockerSocket != null ? dockerSocket : DEFAULT_DOCKER_SOCKET;
        podmanSocket = podmanSocket != null ? podmanSocket : DEFAULT_PODMAN_SOCKET;
        containerdNamespaces = containerdNamespaces != null ? List.copyOf(containerdNamespaces)
            : DEFAULT_CONTAINERD_NAMESPACES;
        stateDirs = stateDirs != null ? List.copyOf(stateDirs) : DEFAULT_STATE_DIRS;
        requestTimeoutMillis = requestTimeoutMillis != null ? requestTimeoutMillis : DEFAULT_REQUEST_TIMEOUT_MILLIS;
    }

    public static RuntimeConfig defaults() {
        return new RuntimeConfig(null, null, null, null, null, null, null, null);
    }

    /** No source at all: identity from the wire only (replay, tests). */
    public static RuntimeConfig none() {
        return new RuntimeConfig(List.of(), null, null, null, null, null, null, null);
    }

    void validate(List<String> errors) {
        for (String s : sources) {
            if (!Set.copyOf(ALL_SOURCES).contains(s)) {
                errors.add("runtime.sources: unknown source '" + s + "' (known: " + String.join(", ", ALL_SOURCES) + ")");
            }
        }
        if (requestTimeoutMillis < 1) {
            errors.add("runtime.requestTimeoutMillis must be > 0");
        }
    }
}
