package dev.vigil.ingest;

import dev.vigil.event.Event;

/**
 * Decodes one JSON line into an {@link Event} slot, in place: each connection's decoder.
 *
 * <p>Two decoders with one result: a byte-level fast path ({@link FlatLineDecoder}) takes the lines
 * of the common shape (a flat ASCII object without escapes, as sensors send), and any other line
 * goes, whole, to the general Jackson-based {@link JacksonEventDecoder}. Both fill the slot and
 * reject lines identically (differential tests check it), so which one took a line is invisible but
 * for speed. A valid line allocates nothing on either path.
 *
 * <p>Threading: one connection, one thread; not thread-safe.
 */
public final class EventDecoder {
    /** Deepest nesting of objects/arrays accepted inside a line (the event object is depth 1). */
    public static final int DEFAULT_MAX_DEPTH = 8;

    private final FlatLineDecoder fast = new FlatLineDecoder();
    private final JacksonEventDecoder general;
    private long generalLines;
    private long fastPathErrors;
    /**
     * Most lines in a row a connection may leave undecoded (see {@link #mayLeaveUndecoded()}): at least
     * one in this many is judged on the connection's own thread.
     */
    public static final int MAX_UNDECODED_RUN = 16;
    /** The verdict on the last line this decoder decoded; none yet: not accepted. */
    private boolean lastAccepted;
    private int undecodedRun;

    public EventDecoder() {
        this(DEFAULT_MAX_DEPTH);
    }

    public EventDecoder(int maxDepth) {
        this.general = new JacksonEventDecoder(maxDepth);
    }

    /**
     * Decodes {@code buf[off .. off+len)}, a line ending in its newline, into {@code event}.
     *
     * @param receiveEpochNanos event time to use when the line carries none
     * @return null when the event is valid, else why it was rejected (the slot's content is then undefined)
     */
    public RejectReason decode(byte[] buf, int off, int len, Event event, long receiveEpochNanos) {
        RejectReason reason = decodeLine(buf, off, len, event, receiveEpochNanos);
        lastAccepted = reason == null;
        undecodedRun = 0;
        return reason;
    }

    private RejectReason decodeLine(byte[] buf, int off, int len, Event event, long receiveEpochNanos) {
        try {
            if (fast.decode(buf, off, len, event, receiveEpochNanos)) {
                return fast.reason();
            }
        } catch (RuntimeException e) {
            // A bug of the fast path (the differential tests assert there is none): the line still
            // gets the general decoder's verdict, and bad input is never thrown at the connection.
            fastPathErrors++;
        }
        generalLines++;
        return general.decode(buf, off, len, event, receiveEpochNanos);
    }

    /**
     * Whether the connection's next line may be left for the pipeline thread to decode: only while the
     * last line decoded here was accepted, and not more than {@link #MAX_UNDECODED_RUN} - 1 lines in a
     * row. A connection keeps its place by lines the decoder accepts ({@link ConnectionSlots}); a line
     * left undecoded counts as its last judged line did, so a producer of garbage gets no line past
     * this thread's judgement, and one that turns to garbage is caught within the run.
     */
    public boolean mayLeaveUndecoded() {
        return lastAccepted && undecodedRun < MAX_UNDECODED_RUN - 1;
    }

    /** A line of this connection was left undecoded. */
    public void leftUndecoded() {
        undecodedRun++;
    }

    /** Lines the fast path left to the general decoder (for tests and diagnostics). */
    public long generalLines() {
        return generalLines;
    }

    /** Lines on which the fast path threw (a bug; the general decoder then decided). For tests. */
    public long fastPathErrors() {
        return fastPathErrors;
    }
}
