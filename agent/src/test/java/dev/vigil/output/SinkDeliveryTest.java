package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.Priority;
import dev.vigil.alert.TestAlerts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SinkDeliveryTest {
    @TempDir
    Path tmp;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final List<SinkDelivery> open = new ArrayList<>();

    private SinkDelivery delivery(FakeSink sink, int capacity, long spoolBytes, AlertFilter filter) throws IOException {
        SinkDelivery d = new SinkDelivery("fake", sink, filter, capacity,
            new DiskSpool(tmp.resolve("spool"), spoolBytes, 16 * 1024), Duration.ofMillis(200),
            (o, s, q) -> new OutputMetrics(registry, o, s, q)).start();
        open.add(d);
        return d;
    }

    @AfterEach
    void closeAll() {
        for (SinkDelivery d : open) {
            d.close(Duration.ofMillis(100));
        }
    }

    static void await(BooleanSupplier c, String what) {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private static Set<Long> seqs(List<Alert> alerts) {
        Set<Long> s = new TreeSet<>();
        for (Alert a : alerts) {
            s.add((Long) a.outputFields().get("vigil.test.seq"));
        }
        return s;
    }

    private static Set<Long> range(int n) {
        Set<Long> s = new TreeSet<>();
        for (long i = 0; i < n; i++) {
            s.add(i);
        }
        return s;
    }

    @Test
    void deliversEverythingInOrderWhileUp() throws IOException {
        FakeSink sink = new FakeSink();
        SinkDelivery d = delivery(sink, 1000, 1 << 20, AlertFilter.ALL);
        for (int i = 0; i < 1000; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        assertTrue(d.flush(Duration.ofSeconds(20)));
        List<Alert> got = sink.delivered();
        assertEquals(1000, got.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals((long) i, got.get(i).outputFields().get("vigil.test.seq"));
        }
        assertEquals(1000, counter("vigil.output.sent", "output", "fake"));
    }

    @Test
    void spoolsWhileDownThenDeliversOldestFirst() throws IOException {
        FakeSink sink = new FakeSink();
        sink.up = false;
        SinkDelivery d = delivery(sink, 1000, 1 << 20, AlertFilter.ALL);
        for (int i = 0; i < 500; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        await(() -> d.spooled() == 500 && d.queued() == 0, "all 500 in the spool");
        assertTrue(d.isDown());
        assertEquals(500.0, registry.get("vigil.output.spooled").tags("output", "fake").gauge().value());
        assertTrue(counter("vigil.output.retries", "output", "fake") >= 1);
        sink.up = true;
        assertTrue(d.flush(Duration.ofSeconds(20)));
        List<Alert> got = sink.delivered();
        assertEquals(range(500), seqs(got));
        assertEquals(500, got.size());
        for (int i = 0; i < 500; i++) {
            assertEquals((long) i, got.get(i).outputFields().get("vigil.test.seq"));
        }
        assertFalse(d.isDown());
    }

    @Test
    void fullMemoryQueueOverflowsToSpoolWithoutBlocking() throws IOException {
        FakeSink sink = new FakeSink();
        sink.gate = new CountDownLatch(1);
        SinkDelivery d = delivery(sink, 10, 1 << 20, AlertFilter.ALL);
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        long offerNanos = System.nanoTime() - t0;
        assertTrue(d.queued() <= 10);
        assertTrue(d.spooled() >= 300 - 10 - SinkDelivery.BATCH, "spooled " + d.spooled());
        assertTrue(offerNanos < Duration.ofSeconds(5).toNanos());
        sink.gate.countDown();
        assertTrue(d.flush(Duration.ofSeconds(20)));
        assertEquals(range(300), seqs(sink.delivered()));
        assertEquals(0, counter("vigil.output.failed", "output", "fake", "reason", "spool_full"));
    }

    @Test
    void spoolBoundOverflowIsCountedFailed() throws IOException {
        FakeSink sink = new FakeSink();
        sink.up = false;
        SinkDelivery d = delivery(sink, 10, 64 * 1024, AlertFilter.ALL);
        for (int i = 0; i < 1000; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        await(() -> d.queued() == 0 && d.spooled() + counter("vigil.output.failed", "output", "fake", "reason",
            "spool_full") == 1000, "every alert spooled or counted failed");
        assertTrue(counter("vigil.output.failed", "output", "fake", "reason", "spool_full") > 500);
        assertTrue(d.spooled() > 50);
    }

    @Test
    void permanentFailureIsCountedAndNotRetried() throws IOException {
        FakeSink sink = new FakeSink();
        sink.rejectRule = "bad";
        SinkDelivery d = delivery(sink, 100, 1 << 20, AlertFilter.ALL);
        d.offer(TestAlerts.numbered(0));
        d.offer(TestAlerts.alert("bad", Priority.ERROR, "c", 1, 0));
        d.offer(TestAlerts.numbered(1));
        assertTrue(d.flush(Duration.ofSeconds(20)));
        assertEquals(2, sink.delivered().size());
        assertEquals(3, sink.attempts());
        assertEquals(1, counter("vigil.output.failed", "output", "fake", "reason", "permanent"));
        assertEquals(2, counter("vigil.output.sent", "output", "fake"));
    }

    @Test
    void filterByPriorityRuleAndTag() throws IOException {
        FakeSink sink = new FakeSink();
        SinkDelivery d = delivery(sink, 100, 1 << 20,
            new AlertFilter(Priority.WARNING, Set.of("Packet socket in container", "r2"), Set.of("raw_socket")));
        d.offer(TestAlerts.alert("Packet socket in container", Priority.NOTICE, "c", 1, 0));
        d.offer(TestAlerts.alert("other", Priority.CRITICAL, "c", 1, 0));
        d.offer(TestAlerts.alert("Packet socket in container", Priority.CRITICAL, "c", 1, 0));
        Alert noTag = new Alert("u", 0, "r2", Priority.ERROR, "syscall", List.of("x"), "h", "o", java.util.Map.of());
        d.offer(noTag);
        assertTrue(d.flush(Duration.ofSeconds(20)));
        assertEquals(1, sink.delivered().size());
        assertEquals(Priority.CRITICAL, sink.delivered().get(0).priority());
    }

    @Test
    void alertsLeftAtCloseAreDeliveredByTheNextStart() throws IOException {
        FakeSink down = new FakeSink();
        down.up = false;
        SinkDelivery d = delivery(down, 1000, 1 << 20, AlertFilter.ALL);
        for (int i = 0; i < 200; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        d.close(Duration.ofMillis(300));
        d.close(Duration.ofMillis(300));
        assertEquals(1, down.closes);
        open.clear();
        FakeSink up = new FakeSink();
        SinkDelivery d2 = delivery(up, 1000, 1 << 20, AlertFilter.ALL);
        assertTrue(d2.flush(Duration.ofSeconds(20)));
        assertEquals(range(200), seqs(up.delivered()));
    }

    @Test
    void unconfirmedAlertsAreSentAgainWhenThePeerCloses() throws IOException {
        FakeSink sink = new FakeSink();
        sink.confirmDelay = Duration.ofSeconds(30);
        SinkDelivery d = delivery(sink, 100, 1 << 20, AlertFilter.ALL);
        for (int i = 0; i < 50; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        await(() -> sink.delivered().size() == 50, "first delivery");
        // The receiver went away: what it may not have read is sent again.
        sink.peerOpen = false;
        await(() -> sink.delivered().size() >= 100, "re-delivery");
        sink.peerOpen = true;
        assertEquals(range(50), seqs(sink.delivered()));
    }

    @Test
    void unconfirmedAlertsGoBackToDiskAsSoonAsASendFromTheSpoolFails() throws Exception {
        // Catching up from the spool: the first batch is sent (kept unconfirmed in memory), the
        // second fails. The unconfirmed alerts must be on disk at once, not at the next probe: a
        // kill -9 in between would lose them. The probe is held shut to stand for that moment.
        FakeSink sink = new FakeSink();
        sink.confirmDelay = Duration.ofSeconds(30);
        sink.up = false;
        SinkDelivery d = delivery(sink, 1000, 1 << 22, AlertFilter.ALL);
        int n = 2 * SinkDelivery.BATCH + 50;
        for (int i = 0; i < n; i++) {
            d.offer(TestAlerts.numbered(i));
        }
        await(() -> d.isDown() && d.pending() == 0 && d.spooled() == n, "everything spooled during the outage");
        CountDownLatch held = new CountDownLatch(1);
        try {
            synchronized (sink) {
                sink.downAtAttempt = sink.attempts + SinkDelivery.BATCH + 1; // the second batch's first send
            }
            sink.probeGate = held;
            sink.peerOpen = true;
            sink.up = true;
            await(() -> sink.delivered().size() == SinkDelivery.BATCH && !sink.up, "one batch sent, then the failure");
            await(() -> d.isDown() && d.spooled() == n, "the unconfirmed batch back on disk with the rest");
        } finally {
            sink.probeGate = null;
            held.countDown();
        }
        sink.peerOpen = true;
        sink.up = true;
        assertTrue(d.flush(Duration.ofSeconds(20)));
        Set<Long> got = seqs(sink.delivered());
        assertTrue(got.containsAll(range(n)), "every alert delivered after the outage");
    }
}
