package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpinYieldParkWaitStrategyTest {

    static final class Slot {
        long sentNanos;
    }

    @Test
    void anEventAfterAPauseWakesTheParkedConsumerWithoutWaitingOutItsSleep() throws Exception {
        // Min park 1 s: only the publisher's unpark can deliver the event within the bound below.
        SpinYieldParkWaitStrategy strategy = new SpinYieldParkWaitStrategy(10, 1_000, 1_000_000_000L, 1_000_000_000L);
        AtomicLong worstNanos = new AtomicLong();
        CountDownLatch seen = new CountDownLatch(5);
        Disruptor<Slot> d = new Disruptor<>(Slot::new, 16, Thread::new, ProducerType.SINGLE, strategy);
        d.handleEventsWith((EventHandler<Slot>) (e, seq, end) -> {
            worstNanos.accumulateAndGet(System.nanoTime() - e.sentNanos, Math::max);
            seen.countDown();
        });
        RingBuffer<Slot> ring = d.start();
        try {
            for (int i = 0; i < 5; i++) {
                Thread.sleep(50); // the consumer is parked by now
                long s = ring.next();
                ring.get(s).sentNanos = System.nanoTime();
                ring.publish(s);
            }
            assertTrue(seen.await(10, TimeUnit.SECONDS), "events not consumed");
            assertTrue(worstNanos.get() < 200_000_000L, "an event waited " + worstNanos.get() + " ns");
        } finally {
            d.halt();
        }
    }

    @Test
    void anIdleConsumerGetsATimeoutTickForTheBetweenBatchWorkAndStillTakesTheNextEvent() throws Exception {
        SpinYieldParkWaitStrategy strategy = new SpinYieldParkWaitStrategy(10, 1_000, 1_000_000L, 4_000_000L);
        AtomicLong ticks = new AtomicLong();
        CountDownLatch seen = new CountDownLatch(1);
        Disruptor<Slot> d = new Disruptor<>(Slot::new, 16, Thread::new, ProducerType.SINGLE, strategy);
        d.handleEventsWith(new EventHandler<Slot>() {
            @Override
            public void onEvent(Slot e, long seq, boolean end) {
                seen.countDown();
            }

            @Override
            public void onTimeout(long sequence) {
                ticks.incrementAndGet();
            }
        });
        RingBuffer<Slot> ring = d.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (ticks.get() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(ticks.get() >= 3, "idle ticks: " + ticks.get());
            long s = ring.next();
            ring.publish(s);
            assertTrue(seen.await(10, TimeUnit.SECONDS), "the event after idle ticks is consumed");
        } finally {
            d.halt();
        }
    }

    @Test
    void anIdleConsumerCostsAlmostNoCpu() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        SpinYieldParkWaitStrategy strategy = new SpinYieldParkWaitStrategy();
        AtomicLong consumerId = new AtomicLong();
        Disruptor<Slot> d = new Disruptor<>(Slot::new, 16, r -> {
            Thread t = new Thread(r);
            consumerId.set(t.getId());
            return t;
        }, ProducerType.SINGLE, strategy);
        d.handleEventsWith((EventHandler<Slot>) (e, seq, end) -> { });
        d.start();
        try {
            Thread.sleep(200); // past spinning and yielding
            long cpu0 = mx.getThreadCpuTime(consumerId.get());
            Thread.sleep(1_000);
            long cpu1 = mx.getThreadCpuTime(consumerId.get());
            // At most ~100 wake-ups a second once the park reached 10 ms: well under 1 % of a core.
            assertTrue(cpu1 - cpu0 < 10_000_000L, "idle consumer used " + (cpu1 - cpu0) + " ns of CPU in 1 s");
        } finally {
            d.halt();
        }
    }

    @Test
    void haltingWakesAParkedConsumer() throws Exception {
        SpinYieldParkWaitStrategy strategy = new SpinYieldParkWaitStrategy(0, 0, 10_000_000_000L, 10_000_000_000L);
        Disruptor<Slot> d = new Disruptor<>(Slot::new, 16, Thread::new, ProducerType.SINGLE, strategy);
        CountDownLatch stopped = new CountDownLatch(1);
        d.handleEventsWith(new EventHandler<Slot>() {
            @Override
            public void onEvent(Slot e, long seq, boolean end) { }

            @Override
            public void onShutdown() {
                stopped.countDown();
            }
        });
        d.start();
        Thread.sleep(100);
        d.halt();
        assertTrue(stopped.await(2, TimeUnit.SECONDS), "halt did not wake the parked consumer");
    }

    @Test
    void rejectsNonsenseBounds() {
        assertThrows(IllegalArgumentException.class, () -> new SpinYieldParkWaitStrategy(1, 1, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new SpinYieldParkWaitStrategy(1, 1, 10, 5));
        assertEquals(SpinYieldParkWaitStrategy.class, EventPipeline.waitStrategy(
            dev.vigil.config.PipelineConfig.WaitStrategyName.adaptive).getClass());
    }
}
