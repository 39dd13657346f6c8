package dev.vigil.output;

import dev.vigil.alert.Alert;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** A sink under the test's control: up or down, rejecting some rules for good, blocking on a latch. */
final class FakeSink implements AlertSink {
    volatile boolean up = true;
    volatile String rejectRule;
    volatile CountDownLatch gate;
    volatile Duration confirmDelay = Duration.ZERO;
    volatile boolean peerOpen = true;
    /** When attempts() reaches it, the sink goes down (that send fails) and its peer closes. */
    volatile int downAtAttempt = -1;
    /** While set and the sink is down, probe() waits on it: the delivery thread is held right there. */
    volatile CountDownLatch probeGate;
    final List<Alert> delivered = new ArrayList<>();
    private final List<Alert> buffer = new ArrayList<>();
    int attempts;
    int closes;

    @Override
    public void send(Alert alert) throws SinkException {
        CountDownLatch g = gate;
        if (g != null) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            attempts++;
            if (attempts == downAtAttempt) {
                up = false;
                peerOpen = false;
            }
        }
        if (!up) {
            throw SinkException.retryable("down", null);
        }
        if (alert.rule().equals(rejectRule)) {
            throw SinkException.permanent("rejected");
        }
        buffer.add(alert);
    }

    @Override
    public void flush() throws SinkException {
        if (!up) {
            buffer.clear();
            throw SinkException.retryable("down", null);
        }
        synchronized (this) {
            delivered.addAll(buffer);
        }
        buffer.clear();
    }

    @Override
    public Duration confirmDelay() {
        return confirmDelay;
    }

    @Override
    public boolean probe() {
        CountDownLatch g = probeGate;
        if (g != null && !up) {
            try {
                g.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return peerOpen;
    }

    @Override
    public synchronized void close(Duration deadline) {
        closes++;
    }

    synchronized List<Alert> delivered() {
        return new ArrayList<>(delivered);
    }

    synchronized int attempts() {
        return attempts;
    }
}
