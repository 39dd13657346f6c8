package dev.vigil.pipeline;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The pipeline thread's wait: spin a few µs (under load the next event is that close), yield while
 * the gap is short, then park. The publisher unparks a parked consumer ({@link #signalAllWhenBlocking},
 * called by the ring on every publish: one volatile read when nobody sleeps), so an event that
 * arrives after a pause waits for one wake-up, not for the end of a sleep. The handshake is Dekker's:
 * the consumer stores {@link #sleeper} then reads the cursor; the publisher stores the cursor then
 * reads {@link #sleeper}. The single-producer ring stores its cursor with release semantics only,
 * which lets the CPU read {@code sleeper} before that store is visible (x86 reorders a store with a
 * later load), so both sides could miss each other and the event would wait out the park's timeout:
 * hence a full fence before the read. (It did not move the measured latency tail at 100k events/s,
 * which is the VM's wake-up and scheduling delay: see the README's tuning notes; it closes a race
 * the memory model allows.) The park also has a timeout, doubling from {@code minParkNanos}
 * (200 µs) to {@code maxParkNanos} (100 ms) while nothing comes, a safety net that makes an idle
 * agent wake only {@code 1 s / maxParkNanos} times a second. Each such wake-up with nothing published
 * ends the wait with a {@link TimeoutException}, for which the ring's processor calls the handler's
 * {@code onTimeout}: the pipeline's between-batch work (answers of the sandbox reads, runtime identities,
 * the pids counters) runs on an idle node too, not only after the next event, which on a quiet node may
 * come minutes later (a privileged exec's alert waited for its process's exit). After a timeout the
 * next wait parks at once. Wake-ups are
 * what idle CPU is made of: on this 2-core VM each costs the thread 50–100 µs of CPU (measured with
 * {@code /proc/PID/task/TID/schedstat}), so 1,000 a second (a 1 ms sleep) cost 5 % of a core.
 *
 * <p>One consumer thread (the ring has one); the publisher's side is thread-safe.
 */
final class SpinYieldParkWaitStrategy implements WaitStrategy {
    static final int DEFAULT_SPINS = 1_000;
    static final long DEFAULT_YIELD_NANOS = 200_000;
    static final long DEFAULT_MIN_PARK_NANOS = 200_000;
    static final long DEFAULT_MAX_PARK_NANOS = 100_000_000;

    private final int spins;
    private final long yieldNanos;
    private final long minParkNanos;
    private final long maxParkNanos;
    /** The consumer while it parks or is about to; null otherwise. */
    private volatile Thread sleeper;
    /** The last wait ended idle (a timeout): the next parks at once. Consumer thread only. */
    private boolean idle;

    SpinYieldParkWaitStrategy() {
        this(DEFAULT_SPINS, DEFAULT_YIELD_NANOS, DEFAULT_MIN_PARK_NANOS, DEFAULT_MAX_PARK_NANOS);
    }

    SpinYieldParkWaitStrategy(int spins, long yieldNanos, long minParkNanos, long maxParkNanos) {
        if (spins < 0 || yieldNanos < 0 || minParkNanos <= 0 || maxParkNanos < minParkNanos) {
            throw new IllegalArgumentException("bad wait strategy bounds");
        }
        this.spins = spins;
        this.yieldNanos = yieldNanos;
        this.minParkNanos = minParkNanos;
        this.maxParkNanos = maxParkNanos;
    }

    @Override
    public long waitFor(long sequence, Sequence cursor, Sequence dependentSequence, SequenceBarrier barrier)
            throws AlertException, TimeoutException {
        long available = dependentSequence.get();
        if (available >= sequence) {
            idle = false;
            return available;
        }
        // After an idle timeout, park at once and for the longest: spinning and yielding are for gaps of µs
        // (a yield deadline of 1 ns has passed; 0 means "not yielded yet").
        int spun = idle ? spins : 0;
        long yieldUntil = idle ? 1 : 0;
        long park = idle ? maxParkNanos : minParkNanos;
        while ((available = dependentSequence.get()) < sequence) {
            barrier.checkAlert();
            if (spun < spins) {
                spun++;
                Thread.onSpinWait();
            } else if (yieldUntil == 0 || System.nanoTime() < yieldUntil) {
                if (yieldUntil == 0) {
                    yieldUntil = System.nanoTime() + yieldNanos;
                }
                Thread.yield();
            } else {
                sleeper = Thread.currentThread();
                // Re-check after announcing: a publish from here on sees the sleeper and unparks.
                if (dependentSequence.get() < sequence) {
                    barrier.checkAlert();
                    LockSupport.parkNanos(this, park);
                    if (park == maxParkNanos && dependentSequence.get() < sequence) {
                        sleeper = null;
                        idle = true;
                        throw TimeoutException.INSTANCE; // a full park with nothing: the idle tick
                    }
                    park = Math.min(park << 1, maxParkNanos);
                }
                sleeper = null;
            }
        }
        idle = false;
        return available;
    }

    @Override
    public void signalAllWhenBlocking() {
        VarHandle.fullFence(); // the cursor store before the sleeper load (see the class comment)
        Thread t = sleeper;
        if (t != null) {
            sleeper = null; // one unpark per sleep, not one per event published while it wakes
            LockSupport.unpark(t);
        }
    }

    @Override
    public String toString() {
        return "SpinYieldParkWaitStrategy{spins=" + spins + ", yieldNanos=" + yieldNanos
            + ", park=" + minParkNanos + ".." + maxParkNanos + " ns}";
    }
}
