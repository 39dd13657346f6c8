/**
 * Alert delivery: sinks and their spools.
 *
 * <p>In: alerts from {@link dev.vigil.output.Outputs#emit}, called by the alert stage's folder
 * ({@code dev.vigil.alert.AlertFolder}, under its lock) on the pipeline thread, the identity wait's
 * worker or the folder's sweeper. Out: the alerts at every configured destination — stdout, a rotated file,
 * syslog (RFC 5424 over UDP, TCP or TLS; JSON or CEF body), an HTTP webhook.
 *
 * <p>Threads: the pipeline thread only enqueues ({@link dev.vigil.output.SinkDelivery#offer}); each
 * sink has its delivery thread {@code vigil-output-<name>} with a bounded memory queue, retries with
 * backoff and jitter, and a {@link dev.vigil.output.DiskSpool}. Delivery is at least once; see
 * docs/outputs.md.
 */
package dev.vigil.output;
