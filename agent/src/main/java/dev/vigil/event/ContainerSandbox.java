package dev.vigil.event;

import java.util.Set;

/**
 * What the kernel enforces on a container's workload (seccomp, no_new_privs, LSM label, user and host
 * namespaces, sensitive mounts), as rule fields read by name. The state stage reads it once per container,
 * when its workload starts, and sets it on each of the container's events ({@link Event#setSandbox}) as one
 * reference, so no value is copied per event; the rules read it. Implementations are immutable and
 * thread-safe; a lookup allocates nothing.
 */
public interface ContainerSandbox {
    /** The rule fields a sandbox answers (text values; booleans as {@code true}/{@code false}). */
    Set<String> FIELDS = Set.of("container.seccomp", "container.no_new_privs", "container.lsm.profile",
        "container.userns", "container.host_ns", "container.sensitive_mounts",
        "container.posture.findings");

    /** The value of one of {@link #FIELDS}, or null when unknown (e.g. no LSM on the node). */
    String sandboxField(String name);

    /** The container's mounts of host paths ({@code container.mount.dest[PATH]}): how many. */
    default int mountCount() {
        return 0;
    }

    /** Mount {@code i}'s source: the host path mounted. */
    default String mountSource(int i) {
        throw new IndexOutOfBoundsException(i);
    }

    /** Mount {@code i}'s destination: where the container sees it. */
    default String mountDestination(int i) {
        throw new IndexOutOfBoundsException(i);
    }
}
