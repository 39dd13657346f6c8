package dev.vigil.ingest;

/**
 * Receives the lines a {@link LineFramer} cuts. The bytes are only valid during the call.
 * Threading: called on the thread that feeds the framer.
 */
public interface LineSink {
    /**
     * A complete line: {@code buf[off .. off+len)}, ending with its {@code '\n'}, completed by a read
     * that returned at {@code receiveNanos} ({@link System#nanoTime()}): every line of one read has
     * that read's time, read once for all of them. The decoder is the connection's own, for the sink
     * to decode with.
     *
     * @return true if the line was taken as an event (decoded, or dropped by policy); false if it was
     *     rejected. A connection is an active producer by the lines it gets taken ({@link ConnectionSlots}).
     */
    boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder);

    /** A blank line: a keep-alive, not an event and not counted; it keeps the connection from idling out. */
    default void onKeepAlive() {
    }

    /** A line longer than the maximum was received and discarded. */
    void onTooLong();

    /**
     * The lines of one {@link LineFramer#written} (or {@link LineFramer#endOfInput}) call have all been
     * handed out: a sink that holds lines back to hand them on together hands them on now.
     */
    default void endOfBatch() {
    }
}
