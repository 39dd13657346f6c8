package dev.vigil.bench.gen;

/**
 * A simulated container (or the host, {@code container.id=host}): its identity, its limits and
 * capability set as the sensor reports them, and its live process count (what {@code pids.max}
 * is compared with).
 */
final class Container {
    static final long DOCKER_DEFAULT_CAPS = 0x00000000a80425fbL;
    static final long FULL_CAPS = 0x000001ffffffffffL;
    static final long CAP_SYS_ADMIN_BIT = 1L << 21;

    final String id;
    final String name;
    final String image;
    final String namespace;
    final String pod;
    /** pids.max; -1 for no limit. */
    final long pidsLimit;
    final String capHex;
    final boolean privileged;
    final boolean host;
    int live;

    private Container(String id, String name, String image, String namespace, String pod, long pidsLimit,
                      long caps, boolean privileged, boolean host) {
        this.id = id;
        this.name = name;
        this.image = image;
        this.namespace = namespace;
        this.pod = pod;
        this.pidsLimit = pidsLimit;
        this.capHex = hex(caps);
        this.privileged = privileged;
        this.host = host;
    }

    static Container host() {
        return new Container("host", null, null, null, null, -1, FULL_CAPS, false, true);
    }

    static Container of(String id, String name, String image, String namespace, long pidsLimit, long caps,
                        boolean privileged) {
        return new Container(id, name, image, namespace, name + "-" + id.substring(0, 5), pidsLimit, caps,
            privileged, false);
    }

    /** True when one more process would exceed pids.max. */
    boolean atLimit() {
        return pidsLimit > 0 && live >= pidsLimit;
    }

    static String hex(long caps) {
        String digits = Long.toHexString(caps);
        return "0x" + "0".repeat(16 - digits.length()) + digits;
    }
}
