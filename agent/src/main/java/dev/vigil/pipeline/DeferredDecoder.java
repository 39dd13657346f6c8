package dev.vigil.pipeline;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.ingest.RejectReason;

/**
 * The pipeline thread's share of the decoding: decodes, in place, a slot the publisher left holding
 * its line undecoded ({@link RingPublisher}), before the stages see it; the values refer to the line's
 * bytes in the slot's text. A rejected line is counted here, with its reason, as the publisher would
 * have, and the slot is marked invalid for the stages to skip. Same decoder, same verdicts: only the
 * thread differs.
 *
 * <p>Threading: the pipeline thread only (its own decoder, apart from the connections').
 */
final class DeferredDecoder {
    private final EventDecoder decoder;
    private final IngestMetrics ingestMetrics;
    /** Lines decoded since {@link #takeUncounted} last ran (the metric is added to once a batch, not a line). */
    private long uncounted;

    DeferredDecoder(EventDecoder decoder, IngestMetrics ingestMetrics) {
        this.decoder = decoder;
        this.ingestMetrics = ingestMetrics;
    }

    /** Decodes {@code event}'s held line into it; after this the slot is valid or counted rejected. */
    void decode(Event event) {
        long receiveNanos = event.receiveNanos(); // the decoder clears the slot
        RejectReason reason = decoder.decode(event.undecodedLine(), 0, event.undecodedLength(), event,
            event.undecodedReceiveEpochNanos());
        uncounted++;
        if (reason != null) {
            event.setValid(false);
            ingestMetrics.rejected(reason);
        } else {
            event.setReceiveNanos(receiveNanos);
        }
    }

    /** Lines decoded here since the last call. */
    long takeUncounted() {
        long n = uncounted;
        uncounted = 0;
        return n;
    }
}
