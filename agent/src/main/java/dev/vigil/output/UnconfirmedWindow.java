package dev.vigil.output;

import dev.vigil.alert.Alert;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Alerts a stream sink (syslog over TCP or TLS) flushed within its {@link AlertSink#confirmDelay()}:
 * the receiver never acknowledges, and bytes still in its kernel buffer are lost if it goes away, so
 * they are kept to be sent again when the connection is then found closed. Bounded: beyond
 * {@code max} the oldest counts as delivered (it has had the most time to be read). Not thread-safe:
 * one delivery thread.
 */
final class UnconfirmedWindow {
    private record Flushed(Alert alert, long flushedNanos) {
    }

    private final int max;
    private final ArrayDeque<Flushed> alerts = new ArrayDeque<>();

    UnconfirmedWindow(int max) {
        this.max = max;
    }

    /** A batch the sink flushed at {@code nowNanos}. */
    void flushed(List<Alert> batch, long nowNanos) {
        for (Alert a : batch) {
            alerts.addLast(new Flushed(a, nowNanos));
        }
        while (alerts.size() > max) {
            alerts.removeFirst();
        }
    }

    boolean isEmpty() {
        return alerts.isEmpty();
    }

    int size() {
        return alerts.size();
    }

    /** Whether the oldest was flushed at least {@code delayNanos} before {@code nowNanos}. */
    boolean oldestDue(long nowNanos, long delayNanos) {
        return !alerts.isEmpty() && nowNanos - alerts.peekFirst().flushedNanos() >= delayNanos;
    }

    /** The peer is still there: what was flushed {@code delayNanos} ago or earlier counts as delivered. */
    void confirm(long nowNanos, long delayNanos) {
        while (oldestDue(nowNanos, delayNanos)) {
            alerts.removeFirst();
        }
    }

    /** The peer went away: every alert in the window, oldest first, to {@code resend}; the window empties. */
    void drainTo(Consumer<Alert> resend) {
        for (Flushed f : alerts) {
            resend.accept(f.alert());
        }
        alerts.clear();
    }

    void clear() {
        alerts.clear();
    }
}
