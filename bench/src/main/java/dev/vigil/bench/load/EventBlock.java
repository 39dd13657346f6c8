package dev.vigil.bench.load;

import dev.vigil.bench.gen.NodeStreamGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A prepared block of event lines (the realistic mix of {@link NodeStreamGenerator}), held in
 * memory and indexed by line, from which senders copy line-aligned chunks. Each copy can be
 * re-timed: every line's {@code evt.rawtime} (19 digits) is rewritten in place, shifted so that
 * loop after loop of the same block reads as one stream moving forward in time.
 *
 * <p>Immutable after construction; thread-safe for concurrent {@link #copy}.
 */
final class EventBlock {
    private static final byte[] RAWTIME_KEY = "\"evt.rawtime\":".getBytes(StandardCharsets.US_ASCII);
    private static final int DIGITS = 19;

    private final byte[] bytes;
    /** lineStart[i] is where line i starts; lineStart[lines] is the end. */
    private final int[] lineStart;
    /** Offset of the first digit of line i's evt.rawtime, or -1. */
    private final int[] rawtimeAt;
    private final long[] rawtime;
    private final long firstRawtime;
    private final long spanNanos;

    private EventBlock(byte[] bytes, int[] lineStart, int[] rawtimeAt, long[] rawtime) {
        this.bytes = bytes;
        this.lineStart = lineStart;
        this.rawtimeAt = rawtimeAt;
        this.rawtime = rawtime;
        long lo = Long.MAX_VALUE;
        long hi = Long.MIN_VALUE;
        for (int i = 0; i < rawtime.length; i++) {
            if (rawtimeAt[i] >= 0) {
                lo = Math.min(lo, rawtime[i]);
                hi = Math.max(hi, rawtime[i]);
            }
        }
        this.firstRawtime = lo == Long.MAX_VALUE ? 0 : lo;
        this.spanNanos = hi == Long.MIN_VALUE ? 0 : hi - lo;
    }

    /** Generates {@code events} lines of the node stream with this seed. */
    static EventBlock generate(long events, long seed) {
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 16, events * 480));
        NodeStreamGenerator.generate(events, seed, 100_000, out);
        return of(out.toByteArray());
    }

    /** Indexes lines of JSON (each ending in a newline). */
    static EventBlock of(byte[] bytes) {
        int lines = 0;
        for (byte b : bytes) {
            if (b == '\n') {
                lines++;
            }
        }
        int[] start = new int[lines + 1];
        int[] at = new int[lines];
        long[] times = new long[lines];
        int line = 0;
        int from = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == '\n') {
                start[line] = from;
                at[line] = find(bytes, from, i);
                times[line] = at[line] >= 0 ? parse(bytes, at[line]) : 0;
                line++;
                from = i + 1;
            }
        }
        start[lines] = from;
        return new EventBlock(bytes, start, at, times);
    }

    private static int find(byte[] b, int from, int to) {
        outer:
        for (int i = from; i + RAWTIME_KEY.length + DIGITS <= to; i++) {
            for (int k = 0; k < RAWTIME_KEY.length; k++) {
                if (b[i + k] != RAWTIME_KEY[k]) {
                    continue outer;
                }
            }
            int d = i + RAWTIME_KEY.length;
            for (int k = 0; k < DIGITS; k++) {
                if (b[d + k] < '0' || b[d + k] > '9') {
                    return -1;
                }
            }
            return d + DIGITS < to && b[d + DIGITS] >= '0' && b[d + DIGITS] <= '9' ? -1 : d;
        }
        return -1;
    }

    private static long parse(byte[] b, int at) {
        long v = 0;
        for (int k = 0; k < DIGITS; k++) {
            v = v * 10 + (b[at + k] - '0');
        }
        return v;
    }

    int lines() {
        return lineStart.length - 1;
    }

    long bytes() {
        return lineStart[lines()];
    }

    int bytesOf(int fromLine, int toLine) {
        return lineStart[toLine] - lineStart[fromLine];
    }

    long firstRawtime() {
        return firstRawtime;
    }

    long spanNanos() {
        return spanNanos;
    }

    /** The last line {@code >= from+1} such that lines [from, end) fit in {@code maxBytes} (at least one line). */
    int chunkEnd(int from, int maxBytes, int maxLines) {
        int limit = (int) Math.min(lines(), (long) from + Math.max(1, maxLines));
        int lo = from + 1;
        int hi = limit;
        // binary search: the largest end in [from+1, limit] with bytesOf(from, end) <= maxBytes
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (bytesOf(from, mid) <= maxBytes) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }

    /**
     * Copies lines [from, to) into {@code dst} (which must have room), adding {@code shiftNanos} to
     * each evt.rawtime when {@code retime}.
     */
    void copy(int from, int to, long shiftNanos, boolean retime, ByteBuffer dst) {
        int base = dst.position();
        int start = lineStart[from];
        dst.put(bytes, start, lineStart[to] - start);
        if (!retime) {
            return;
        }
        for (int i = from; i < to; i++) {
            int at = rawtimeAt[i];
            if (at < 0) {
                continue;
            }
            long v = rawtime[i] + shiftNanos;
            int p = base + at - start + DIGITS - 1;
            for (int k = 0; k < DIGITS; k++) {
                dst.put(p - k, (byte) ('0' + v % 10));
                v /= 10;
            }
        }
    }
}
