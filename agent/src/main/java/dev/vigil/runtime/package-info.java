/**
 * The runtime room: who a container is, from the node's container runtimes (containerd's CRI and own
 * API, CRI-O, Docker, Podman; the OCI bundles on disk as a fallback).
 *
 * <p>In: container ids the state stage meets ({@code IdentitySource.request}) and the runtimes' event
 * streams. Out: {@code ContainerIdentity} updates, drained by the pipeline thread into the container
 * table, and a thread-safe lookup for the alert stage. Every runtime call runs on {@code vigil-runtime}
 * threads, never on the pipeline thread; a runtime that is missing or refuses is logged and counted.
 */
package dev.vigil.runtime;
