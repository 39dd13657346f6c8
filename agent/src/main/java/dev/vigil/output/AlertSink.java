package dev.vigil.output;

import dev.vigil.alert.Alert;
import java.time.Duration;

/**
 * A destination for alerts: the SPI every sink implements.
 *
 * <p>Threading: called only by its {@link SinkDelivery}'s thread ({@code vigil-output-<name>}), never
 * by the pipeline thread; implementations need no locking. A sink may buffer in {@link #send} and
 * write in {@link #flush}; an alert counts as delivered only once {@code flush} returned (and, for a
 * sink with a {@link #confirmDelay}, that delay passed with {@link #probe} still true).
 */
public interface AlertSink {
    /**
     * Sends (or buffers) one alert.
     *
     * @throws SinkException retryable (destination down: the delivery retries it later with backoff)
     *                       or permanent (this alert will never be accepted: counted failed, dropped)
     */
    void send(Alert alert) throws SinkException;

    /** Pushes what {@link #send} buffered to the destination; a failure means all of it may be lost. */
    void flush() throws SinkException;

    /**
     * How long after {@link #flush} an alert may still be lost without the sink knowing: stream
     * sockets (syslog TCP/TLS) have no acknowledgement, and bytes the receiver's kernel accepted are
     * lost if the receiver goes away before reading them. The delivery keeps such alerts and sends
     * them again if {@link #probe} fails within this delay. Zero when the protocol acknowledges.
     */
    default Duration confirmDelay() {
        return Duration.ZERO;
    }

    /** Whether the connection still looks alive (a peer's close seen as EOF makes it false). */
    default boolean probe() {
        return true;
    }

    /** Flushes, then releases the connection or file, within {@code deadline}. Idempotent. */
    void close(Duration deadline);
}
