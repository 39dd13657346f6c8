"""The metric names the deploy side relies on (alert rules, dashboard): DESIGN.md's table, the
sensor's loss counter, and the JVM/process meters of Micrometer's Prometheus registry. The agent
must expose these exact names; a rule or panel that uses any other name fails the checks."""
import re

VIGIL = {
    "vigil_events_received_total", "vigil_events_processed_total", "vigil_events_rejected_total",
    "vigil_events_dropped_total", "vigil_ring_remaining", "vigil_alerts_total",
    "vigil_alerts_suppressed_total", "vigil_output_sent_total", "vigil_output_failed_total",
    "vigil_output_spooled", "vigil_event_latency_seconds", "vigil_connections",
    "vigil_connections_rejected_total", "vigil_rules_loaded", "vigil_rules_reload_total",
    "vigil_sensor_lost_events_total", "vigil_state_identity_total", "vigil_baseline_scopes",
    "vigil_baseline_tuples", "vigil_posture_containers", "vigil_posture_privileged_execs_total",
    "vigil_state_sandbox_reads_total",
}
JVM = {"jvm_memory_used_bytes", "jvm_memory_max_bytes", "process_cpu_usage", "jvm_gc_pause_seconds"}
PROMETHEUS = {"up"}
# kube-state-metrics, for the vigil.kubernetes alert group.
KUBE_STATE = {"kube_pod_container_status_ready", "kube_pod_container_status_restarts_total",
              "kube_daemonset_status_number_available", "kube_daemonset_status_desired_number_scheduled"}
HISTOGRAMS = {"vigil_event_latency_seconds", "jvm_gc_pause_seconds"}

_NAME = re.compile(r"\b((?:vigil|jvm|process|kube)_[a-z0-9_]+|up)\b(?=\s*[{\[)]|\s*$|\s)")


def metric_names(expr):
    """Metric names in a PromQL expression, histogram suffixes folded to the base name."""
    names = set()
    for n in _NAME.findall(expr):
        for suffix in ("_bucket", "_sum", "_count"):
            if n.endswith(suffix) and n[: -len(suffix)] in HISTOGRAMS:
                n = n[: -len(suffix)]
        names.add(n)
    return names
