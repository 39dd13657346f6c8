package dev.vigil.bench.pipeline;

import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Handing events from one thread to another: the Disruptor ring of preallocated slots (what the
 * pipeline uses), beside an {@code ArrayBlockingQueue} of event objects (the naive hand-off, one
 * allocation per event) in the same run. Each invocation hands over a batch and waits for the
 * consumer to have seen all of it, so the figure is the throughput of the hand-off itself.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HandoffBenchmark {
    static final int BATCH = 4096;

    private Disruptor<Event> disruptor;
    private RingBuffer<Event> ring;
    private final AtomicLong ringSeen = new AtomicLong();
    private ArrayBlockingQueue<Object> queue;
    private Thread queueConsumer;
    private final AtomicLong queueSeen = new AtomicLong();
    private volatile boolean running;

    /** What the consumer reads of each event: enough that the hand-off cannot be optimised away. */
    static final class QueuedEvent {
        final long pid;

        QueuedEvent(long pid) {
            this.pid = pid;
        }
    }

    @Setup(Level.Trial)
    public void setup() {
        disruptor = new Disruptor<>(Event::new, 16384, Thread::new, ProducerType.SINGLE, new BusySpinWaitStrategy());
        disruptor.handleEventsWith((EventHandler<Event>) (e, seq, end) -> {
            if (e.getLong(Field.PROC_PID) >= 0) {
                ringSeen.lazySet(seq + 1);
            }
        });
        ring = disruptor.start();
        queue = new ArrayBlockingQueue<>(16384);
        running = true;
        queueConsumer = new Thread(() -> {
            long n = 0;
            while (running) {
                Object o = queue.poll();
                if (o != null && ((QueuedEvent) o).pid >= 0) {
                    queueSeen.lazySet(++n);
                }
            }
        });
        queueConsumer.start();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws InterruptedException {
        running = false;
        queueConsumer.join();
        disruptor.halt();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long disruptorRing() {
        long last = 0;
        for (int i = 0; i < BATCH; i++) {
            long seq = ring.next();
            ring.get(seq).setLong(Field.PROC_PID, i);
            ring.publish(seq);
            last = seq + 1;
        }
        while (ringSeen.get() < last) {
            Thread.onSpinWait();
        }
        return last;
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long baselineArrayBlockingQueue() throws InterruptedException {
        long target = queueSeen.get() + BATCH;
        for (int i = 0; i < BATCH; i++) {
            queue.put(new QueuedEvent(i));
        }
        while (queueSeen.get() < target) {
            Thread.onSpinWait();
        }
        return target;
    }
}
