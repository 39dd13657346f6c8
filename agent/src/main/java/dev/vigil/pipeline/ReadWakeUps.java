package dev.vigil.pipeline;

/**
 * How the ring's publisher wakes a sleeping pipeline thread: once for all the lines of a read rather than once
 * per line. The ring asks its wait strategy to wake the consumer on every publish, and the adaptive strategy's
 * wake-up needs a full fence (see {@link SpinYieldParkWaitStrategy}); with ~350 lines a read at full rate that
 * fence, once a line, was ~3 % of the publishing thread, the agent's busiest. Between {@link #readStarted} and
 * {@link #readEnded} the publishing thread's publishes wake no one; {@link #readEnded} wakes a sleeper once, and
 * the publisher calls it too before it waits for a full ring (else it would wait on a sleeping consumer). A
 * consumer that is spinning or yielding sees each line as it is published either way; only a parked one waits
 * for the read's end (at most one read's decoding, ~0.1 ms at full rate, a few µs at a quiet node's reads).
 *
 * <p>Threading: both calls on the publishing thread; wake-ups asked by other threads (a halt's alert) are
 * never held.
 */
interface ReadWakeUps {
    /** The publishing thread starts handing over a read's lines: its publishes wake no one until {@link #readEnded}. */
    void readStarted();

    /** The read's lines are all published: wakes the consumer if it sleeps. */
    void readEnded();

    /** For the wait strategies that wake on every publish themselves. */
    ReadWakeUps NONE = new ReadWakeUps() {
        @Override
        public void readStarted() {
        }

        @Override
        public void readEnded() {
        }
    };
}
