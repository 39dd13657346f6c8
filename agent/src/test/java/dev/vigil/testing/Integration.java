package dev.vigil.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * The rule for tests that need a real component (root, runc, rsyslog, Prometheus, bpftrace…):
 * skip with a clear message where it is missing — unless VIGIL_REQUIRE_INTEGRATION=1 (as in CI),
 * where a missing component fails the test instead of hiding behind a skip.
 */
public final class Integration {
    private Integration() {
    }

    public static boolean required() {
        return "1".equals(System.getenv("VIGIL_REQUIRE_INTEGRATION"));
    }

    public static void requireOrSkip(boolean available, String what) {
        if (available) {
            return;
        }
        if (required()) {
            throw new AssertionError("VIGIL_REQUIRE_INTEGRATION=1 but " + what + " is missing");
        }
        Assumptions.assumeTrue(false, "skipped: " + what + " is missing");
    }

    /** What building and loading the bundled eBPF sensor needs besides root: kernel BTF and its toolchain. */
    public static void requireSensorBuildOrSkip() {
        requireOrSkip(java.nio.file.Files.exists(java.nio.file.Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
        requireOrSkip(onPath("clang") && onPath("bpftool"),
            "the sensor's toolchain (apt-get install clang libbpf-dev bpftool libelf-dev zlib1g-dev)");
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    public static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }
}
