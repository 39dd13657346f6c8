package dev.vigil.metrics;

/** What /healthz and /readyz answer. Implementations are thread-safe. */
public interface HealthCheck {
    /** null when healthy, else why not (one line). */
    String unhealthyReason();

    /** null when ready, else what is missing (one line). */
    String notReadyReason();
}
