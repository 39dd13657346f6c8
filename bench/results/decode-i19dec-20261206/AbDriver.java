package abdrv;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import java.util.function.LongUnaryOperator;

/** Loaded once per jar: decodes the churny lines into a ring of 2048 slots, n lines per call. */
public final class AbDriver implements LongUnaryOperator {
    private final byte[] bytes;
    private final int[] start;
    private final Event[] ring = new Event[2048];
    private final EventDecoder decoder = new EventDecoder();
    private int next;

    public AbDriver(byte[] bytes, int[] start) {
        this.bytes = bytes;
        this.start = start;
        for (int i = 0; i < ring.length; i++) {
            ring[i] = new Event();
        }
    }

    @Override
    public long applyAsLong(long n) {
        long sum = 0;
        int lines = start.length - 1;
        for (long k = 0; k < n; k++) {
            int i = next;
            next = i + 1 == lines ? 0 : i + 1;
            Event slot = ring[i & 2047];
            if (decoder.decode(bytes, start[i], start[i + 1] - start[i], slot, 1L) != null) {
                throw new IllegalStateException("rejected " + i);
            }
            sum += slot.eventType();
        }
        return sum;
    }
}
