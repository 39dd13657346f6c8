package dev.vigil.pipeline;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.vigil.config.PipelineConfig.Backpressure;
import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.ingest.LineSink;
import dev.vigil.ingest.RejectReason;

/**
 * Puts each framed line into the ring: claims a slot, decodes the line straight into it, publishes
 * (the slots of one read together, see {@link #MAX_UNPUBLISHED}).
 * A line's receive time (for the latency, and its evt.rawtime when it carries none) is that of the
 * read that completed it, read once for all the read's lines by the caller ({@link LineSink#onLine}).
 * A rejected line still travels in its slot, marked invalid, so that the claim is always published;
 * the stages skip it. Every line is counted once: received, then processed (by the stages),
 * rejected (here or by the pipeline thread, with its reason) or dropped (here, under the drop policy).
 *
 * <p><b>Decoding shared by both threads.</b> With one producer connection the thread that reads the
 * socket decodes every line while the pipeline thread waits for it. So while the pipeline thread keeps
 * up (fewer than {@link #SHARE_BACKLOG}, or half the ring, events published and not yet through the
 * stages), a line is copied into the slot undecoded and the pipeline thread decodes it there, before the
 * stages, its values referring to the line's bytes rather than copied ({@link DeferredDecoder},
 * {@link Event#holdUndecoded}); once it falls behind, lines are decoded here again. The split follows
 * the load: each thread decodes what the other leaves. Order is the ring's either way. A connection
 * whose last decoded line was rejected gets every line decoded here ({@link EventDecoder#mayLeaveUndecoded()}).
 *
 * <p>Threading: one publishing thread (the socket's event loop, or the replay reader), matching the
 * ring's single-producer sequencer.
 */
public final class RingPublisher implements LineSink {
    private final RingBuffer<Event> ring;
    private final boolean dropWhenFull;
    private final IngestMetrics ingestMetrics;
    private final PipelineMetrics pipelineMetrics;
    /**
     * Longest wait for a slot, under the drop policy, for a line that is not a process creation. A
     * running pipeline frees a slot in microseconds; the bound is for a descheduled one, and on a
     * busy node (a fork bomb is also a CPU storm) the scheduler can keep it off a core for several
     * ms: 5 ms lost the attacks in FloodIT when the two cores were shared with other work.
     */
    static final long MAX_WAIT_NANOS = 20_000_000;
    private final Event scratch = new Event();
    /** For a line that carries no time: one clock read per socket read ({@link LineSink#onLine}), not per line. */
    private final WallClock wallClock = new WallClock();
    /**
     * Backlog (events published, not yet through the stages) under which a line is left for the
     * pipeline thread to decode: far below the ring's size, and above one read's lines (~350 of
     * 128 KiB), so that the pipeline thread, once it caught up, finds lines to decode in every read.
     */
    static final long SHARE_BACKLOG = 1024;
    /** {@link #SHARE_BACKLOG}, or half the ring when that is smaller (a backlog the ring's size is never exceeded). */
    private final long shareBacklog;
    private final boolean share;
    /**
     * Slots written and not yet published, at most this many: the ring's publish is a cursor store and a
     * full fence ({@link SpinYieldParkWaitStrategy#signalAllWhenBlocking}), which waits for the slot's
     * stores to drain; per line it was 12 % of the reading thread at full rate. A read's lines are
     * published together, in runs of at most 32 (a line waits for at most 31 others to be decoded,
     * ~10 µs at full rate), and always by the end of the read ({@link #endOfBatch}).
     */
    static final int MAX_UNPUBLISHED = 32;
    private final int maxUnpublished;
    private long firstUnpublished;
    private int unpublished;

    RingPublisher(RingBuffer<Event> ring, Backpressure backpressure, boolean shareDecoding, IngestMetrics ingestMetrics,
                  PipelineMetrics pipelineMetrics) {
        this.ring = ring;
        this.share = shareDecoding;
        this.shareBacklog = Math.min(SHARE_BACKLOG, ring.getBufferSize() / 2);
        this.maxUnpublished = Math.max(1, Math.min(MAX_UNPUBLISHED, ring.getBufferSize() / 4));
        this.dropWhenFull = backpressure == Backpressure.drop;
        this.ingestMetrics = ingestMetrics;
        this.pipelineMetrics = pipelineMetrics;
    }

    @Override
    public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
        ingestMetrics.received();
        long seq;
        try {
            seq = ring.tryNext();
        } catch (InsufficientCapacityException e) {
            publishClaimed(); // visible and signalled: a parked pipeline thread wakes to free slots
            if (dropWhenFull) {
                seq = claimUnlessSheddable(buf, off, len, decoder);
                if (seq < 0) {
                    pipelineMetrics.dropped();
                    return true; // taken, then shed by the drop policy: counted there
                }
            } else {
                // Blocks this thread while the ring is full: the socket stops being read and the
                // producer's writes block, which is the backpressure the block policy promises.
                seq = ring.next();
            }
        }
        RejectReason reason = null;
        try {
            Event event = ring.get(seq);
            if (share && len <= Event.MAX_UNDECODED_LINE_BYTES && decoder.mayLeaveUndecoded()
                && seq - ring.getMinimumGatingSequence() <= shareBacklog) {
                event.holdUndecoded(buf, off, len, wallClock.epochNanos(receiveNanos), receiveNanos);
                decoder.leftUndecoded();
                return true; // judged as the connection's last decoded line was: accepted
            }
            event.releaseLine();
            reason = decoder.decode(buf, off, len, event, wallClock.epochNanos(receiveNanos));
            if (reason != null) {
                event.setValid(false);
                ingestMetrics.rejected(reason);
            } else {
                event.setReceiveNanos(receiveNanos);
            }
        } finally {
            claimed(seq);
        }
        return reason == null;
    }

    /** A slot is written: published with the ones before it once {@link #MAX_UNPUBLISHED} wait, or at the batch's end. */
    private void claimed(long seq) {
        if (unpublished++ == 0) {
            firstUnpublished = seq;
        }
        if (unpublished == maxUnpublished) {
            publishClaimed();
        }
    }

    /** Makes every written slot visible to the pipeline thread (one cursor store, one fence). */
    private void publishClaimed() {
        if (unpublished > 0) {
            ring.publish(firstUnpublished, firstUnpublished + unpublished - 1);
            unpublished = 0;
        }
    }

    /** The lines of a read are all in the ring: publishes those not yet visible. */
    @Override
    public void endOfBatch() {
        publishClaimed();
    }

    /**
     * The ring is full under the drop policy. A storm is made of process creations (a fork bomb), which
     * the rules only aggregate and the kernel's pids.events count confirms: those are dropped. Any other
     * line (a socket, an exec, a capability use: the other containers' attacks) waits up to
     * {@link #MAX_WAIT_NANOS} for a slot, so that a storm does not blind the agent to them; only a
     * pipeline stalled that long drops it. Returns the claimed sequence, or -1 to drop.
     */
    private long claimUnlessSheddable(byte[] buf, int off, int len, EventDecoder decoder) {
        if (decoder.decode(buf, off, len, scratch, 0) == null && isProcessCreation(scratch.eventType())) {
            return -1;
        }
        long deadline = System.nanoTime() + MAX_WAIT_NANOS;
        while (true) {
            try {
                return ring.tryNext();
            } catch (InsufficientCapacityException e) {
                if (System.nanoTime() - deadline > 0) {
                    return -1;
                }
                Thread.yield(); // the pipeline thread may be waiting for this core
            }
        }
    }

    private static boolean isProcessCreation(int type) {
        return type == EventTypes.CLONE || type == EventTypes.CLONE3 || type == EventTypes.FORK
            || type == EventTypes.VFORK;
    }

    @Override
    public void onTooLong() {
        ingestMetrics.received();
        ingestMetrics.rejected(RejectReason.TOO_LONG);
    }
}
