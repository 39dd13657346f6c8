package dev.vigil.config;

import java.util.List;

/**
 * The flags of the bundled eBPF sensor when the agent starts it ({@code vigil run --sensor}); in the
 * DaemonSet the sensor container's arguments say the same (sensor/README.md).
 *
 * @param ringMb      the kernel ring buffer, in MiB, a power of two ({@code --ring-mb})
 * @param cgroupRate  events a second each cgroup may put in the ring, per budget (its process
 *                    lifecycle; its security events): what is over is counted and reported in a
 *                    {@code vigil_sensor_throttle} episode, not sent ({@code --cgroup-rate}); 0: no budget
 * @param cgroupBurst events above the rate a cgroup may send at once ({@code --cgroup-burst}); 0: the rate
 */
public record SensorConfig(Integer ringMb, Integer cgroupRate, Integer cgroupBurst) {
    public static final int DEFAULT_RING_MB = 4;
    /** About 1,700 fork + exec + exit a second from one container, sustained: a busy node's whole load. */
    public static final int DEFAULT_CGROUP_RATE = 5000;
    private static final int MAX_RATE = 1_000_000_000;

    public SensorConfig {
        ringMb = ringMb != null ? ringMb : DEFAULT_RING_MB;
        cgroupRate = cgroupRate != null ? cgroupRate : DEFAULT_CGROUP_RATE;
        cgroupBurst = cgroupBurst != null ? cgroupBurst : 0;
    }

    public static SensorConfig defaults() {
        return new SensorConfig(null, null, null);
    }

    /** The sensor's command-line options for these values. */
    public List<String> flags() {
        return cgroupBurst > 0
            ? List.of("--ring-mb", ringMb.toString(), "--cgroup-rate", cgroupRate.toString(), "--cgroup-burst",
                cgroupBurst.toString())
            : List.of("--ring-mb", ringMb.toString(), "--cgroup-rate", cgroupRate.toString());
    }

    void validate(List<String> errors) {
        if (ringMb < 1 || ringMb > 1024 || Integer.bitCount(ringMb) != 1) {
            errors.add("sensor.ringMb must be a power of two from 1 to 1024, got " + ringMb);
        }
        if (cgroupRate < 0 || cgroupRate > MAX_RATE) {
            errors.add("sensor.cgroupRate must be from 0 (off) to " + MAX_RATE + ", got " + cgroupRate);
        }
        if (cgroupBurst < 0 || cgroupBurst > MAX_RATE) {
            errors.add("sensor.cgroupBurst must be from 0 (the rate) to " + MAX_RATE + ", got " + cgroupBurst);
        }
    }
}
