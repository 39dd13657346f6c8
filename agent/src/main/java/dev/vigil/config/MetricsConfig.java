package dev.vigil.config;

import java.util.List;

/**
 * The HTTP endpoint for /metrics, /healthz and /readyz.
 *
 * @param address  HOST:PORT to listen on; empty to serve no HTTP at all
 * @param stallSeconds /healthz fails when events wait in the ring this long without progress
 */
public record MetricsConfig(String address, Integer stallSeconds) {
    /** All interfaces: Prometheus scrapes the pod IP. The endpoint serves counters only. */
    public static final String DEFAULT_ADDRESS = "0.0.0.0:9376";
    public static final int DEFAULT_STALL_SECONDS = 10;

    public MetricsConfig {
        address = address != null ? address : DEFAULT_ADDRESS;
        stallSeconds = stallSeconds != null ? stallSeconds : DEFAULT_STALL_SECONDS;
    }

    public static MetricsConfig defaults() {
        return new MetricsConfig(null, null);
    }

    void validate(List<String> errors) {
        if (!address.isEmpty()) {
            int colon = address.lastIndexOf(':');
            boolean ok = colon > 0 || colon == 0;
            if (ok) {
                try {
                    int port = Integer.parseInt(address.substring(colon + 1));
                    ok = port >= 0 && port <= 65535;
                } catch (NumberFormatException e) {
                    ok = false;
                }
            }
            if (!ok) {
                errors.add("metrics.address must be HOST:PORT, got '" + address + "'");
            }
        }
        if (stallSeconds < 1) {
            errors.add("metrics.stallSeconds must be > 0");
        }
    }
}
