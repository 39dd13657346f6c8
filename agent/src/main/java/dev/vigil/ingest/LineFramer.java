package dev.vigil.ingest;

/**
 * Cuts a byte stream into lines, in place: bytes are read straight into {@link #buffer()} and each
 * complete line is handed to the sink as a range of it, with no copy. A partial line stays at the
 * front of the buffer until the rest arrives; a line longer than the maximum is discarded up to its
 * newline and reported once, so memory never grows past the maximum line length plus one read.
 *
 * <p>Threading: one connection, one thread (the channel's event loop, or the replay reader).
 */
public final class LineFramer {
    private final byte[] buf;
    private final int maxLineBytes;
    private final EventDecoder decoder;
    /** Unconsumed bytes are {@code buf[start .. end)}. */
    private int start;
    private int end;
    /** Inside an over-long line: dropping bytes until the next newline. */
    private boolean discarding;

    /**
     * @param maxLineBytes longest line accepted, not counting its {@code '\n'} (a {@code '\r'} before it counts)
     * @param readBytes    bytes the caller reads at a time (the buffer holds a partial line plus this)
     */
    public LineFramer(int maxLineBytes, int readBytes, EventDecoder decoder) {
        this.maxLineBytes = maxLineBytes;
        // +1 leaves room for a newline appended to a last line that had none.
        this.buf = new byte[maxLineBytes + 1 + readBytes];
        this.decoder = decoder;
    }

    /** Where to read into: {@code buffer()[writeOffset() .. + writable())}. */
    public byte[] buffer() {
        return buf;
    }

    public int writeOffset() {
        return end;
    }

    public int writable() {
        return buf.length - end;
    }

    /**
     * {@code n} bytes were read into the buffer at {@link #writeOffset()} by a read that returned at
     * {@code receiveNanos} ({@link System#nanoTime()}): hand out complete lines, each with that time,
     * then {@link LineSink#endOfBatch}.
     */
    public void written(int n, long receiveNanos, LineSink sink) {
        end += n;
        try {
            int scan = start;
            while (scan < end) {
                int nl = indexOfNewline(scan, end);
                if (nl < 0) {
                    break;
                }
                int from = start;
                start = nl + 1; // before the sink sees the line: one it fails on is not handed out again
                scan = start;
                if (discarding) {
                    discarding = false;
                } else {
                    emit(from, nl + 1, receiveNanos, sink);
                }
            }
        } finally {
            sink.endOfBatch();
        }
        if (!discarding && end - start > maxLineBytes) {
            // No newline within the limit: this line is over-long. Drop what we hold of it.
            discarding = true;
            sink.onTooLong();
        }
        if (discarding) {
            start = end;
        }
        compact();
    }

    /**
     * The input ended. A last line without a newline is a line when {@code lastLineCounts} (a file),
     * and is lost otherwise (a producer that disconnected mid-line); {@code receiveNanos} is when the
     * end was read.
     */
    public void endOfInput(boolean lastLineCounts, long receiveNanos, LineSink sink) {
        try {
            if (!discarding && end > start && lastLineCounts) {
                buf[end++] = '\n';
                emit(start, end, receiveNanos, sink);
            }
        } finally {
            start = 0;
            end = 0;
            discarding = false;
            sink.endOfBatch();
        }
    }

    /** Bytes of a partial line held (for tests and memory accounting). */
    public int pendingBytes() {
        return end - start;
    }

    private void emit(int from, int to, long receiveNanos, LineSink sink) {
        int len = to - from;
        int content = len - 1;
        if (content > 0 && buf[to - 2] == '\r') {
            content--;
        }
        if (content == 0) {
            sink.onKeepAlive(); // blank lines are keep-alives, not events
            return;
        }
        if (len - 1 > maxLineBytes) {
            // A '\r' counts toward the limit, as it does while the line is still partial in written():
            // the verdict must not depend on whether the '\n' came in the same read.
            sink.onTooLong();
            return;
        }
        sink.onLine(buf, from, len, receiveNanos, decoder);
    }

    private int indexOfNewline(int from, int to) {
        return ByteScan.indexOfNewline(buf, from, to);
    }

    private void compact() {
        if (start == end) {
            start = 0;
            end = 0;
        } else if (start > 0) {
            // At most one partial line (<= maxLineBytes) moves: room for a full read follows it.
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
        }
    }
}
