/**
 * The runtime room: who a container is, from the node's container runtimes (containerd's CRI and own
 * API, CRI-O, Docker, Podman; the OCI bundles on disk as a fallback).
 *
 * <p>In: container ids the state stage meets ({@code IdentitySource.request}) and the runtimes' event
 * streams. Out: {@code ContainerIdentity} updates, drained by the pipeline thread into the container
 * table, and a thread-safe lookup for the alert stage. Every runtime call runs on {@code vigil-runtime}
 * threads, never on the pipeline thread; a runtime that is missing or refuses is logged and counted.
 *
 * <p>Wiring: {@code RuntimeClients.fromConfig(runtimeConfig, registry)} builds the clients for the configured
 * sources and the {@code RuntimeIdentityResolver} over them; {@code start()} lists them (bounded), then the
 * pipeline {@code drain}s and {@code request}s, the alert stage {@code lookup}s, and {@code close()} stops it.
 *
 * <p>Access as non-root: containerd's socket is {@code root:root 0660}; containerd's {@code [grpc] gid = N}
 * makes it {@code root:N}, and an agent with supplementary group N can call it (checked with containerd 1.6).
 * That group can drive containerd, so it is as good as root on the node. The {@code oci} fallback reads
 * bundle directories that are {@code 0700 root} under a {@code 0711} parent: it needs root or
 * {@code CAP_DAC_READ_SEARCH}, not just a read-only mount.
 */
package dev.vigil.runtime;
