package dev.vigil.ingest;

/**
 * Receives the lines a {@link LineFramer} cuts. The bytes are only valid during the call.
 * Threading: called on the thread that feeds the framer.
 */
public interface LineSink {
    /**
     * A complete line: {@code buf[off .. off+len)}, ending with its {@code '\n'}.
     * The decoder is the connection's own, for the sink to decode with.
     */
    void onLine(byte[] buf, int off, int len, EventDecoder decoder);

    /** A line longer than the maximum was received and discarded. */
    void onTooLong();
}
