package dev.vigil.bench.load;

import dev.vigil.bench.gen.NodeStreamGenerator;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A prepared block of event lines (the realistic mix of {@link NodeStreamGenerator}), held in
 * memory and indexed by line, from which senders copy line-aligned chunks. Each copy can be
 * re-timed: every line's {@code evt.rawtime} (19 digits) is rewritten in place, shifted so that
 * loop after loop of the same block reads as one stream moving forward in time.
 *
 * <p>A churny block ({@link ChurnStream}) also knows where each fresh pid's 8 digits are: a copy
 * moves them on by a pid shift too, so that each loop's processes are new to the agent.
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
    /** Ascending offsets of the fresh pids' first digits (empty for a block of fixed pids). */
    private final int[] freshPidAt;
    /** Fresh pids in the block: a copy's pid shift is a multiple of it. */
    private final int freshPids;

    private EventBlock(byte[] bytes, int[] lineStart, int[] rawtimeAt, long[] rawtime, int[] freshPidAt, int freshPids) {
        this.bytes = bytes;
        this.freshPidAt = freshPidAt;
        this.freshPids = freshPids;
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

    /** The churny stream ({@link ChurnStream}): at least {@code events} lines, with fresh pids. */
    static EventBlock churny(int events, long seed) {
        ChurnStream.Result r = ChurnStream.generate(events, seed);
        return of(r.bytes(), r.freshPidAt(), r.freshPids());
    }

    /** Indexes lines of JSON (each ending in a newline). */
    static EventBlock of(byte[] bytes) {
        return of(bytes, new int[0], 0);
    }

    static EventBlock of(byte[] bytes, int[] freshPidAt, int freshPids) {
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
        return new EventBlock(bytes, start, at, times, freshPidAt, freshPids);
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

    int freshPids() {
        return freshPids;
    }

    void copy(int from, int to, long shiftNanos, boolean retime, ByteBuffer dst) {
        copy(from, to, shiftNanos, retime, 0, dst);
    }

    /**
     * Copies lines [from, to) into {@code dst} (which must have room), adding {@code shiftNanos} to
     * each evt.rawtime when {@code retime}, and {@code pidShift} to each fresh pid (wrapping within
     * its 8 digits).
     */
    void copy(int from, int to, long shiftNanos, boolean retime, long pidShift, ByteBuffer dst) {
        int base = dst.position();
        int start = lineStart[from];
        dst.put(bytes, start, lineStart[to] - start);
        if (pidShift != 0) {
            shiftPids(start, lineStart[to], pidShift, base, dst);
        }
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

    private void shiftPids(int start, int end, long pidShift, int base, ByteBuffer dst) {
        int i = Arrays.binarySearch(freshPidAt, start);
        for (i = i < 0 ? -i - 1 : i; i < freshPidAt.length && freshPidAt[i] < end; i++) {
            int at = freshPidAt[i];
            long pid = 0;
            for (int k = 0; k < ChurnStream.PID_DIGITS; k++) {
                pid = pid * 10 + (bytes[at + k] - '0');
            }
            long v = ChurnStream.FIRST_FRESH_PID
                + Math.floorMod(pid - ChurnStream.FIRST_FRESH_PID + pidShift, (long) ChurnStream.FRESH_PIDS);
            int p = base + at - start + ChurnStream.PID_DIGITS - 1;
            for (int k = 0; k < ChurnStream.PID_DIGITS; k++) {
                dst.put(p - k, (byte) ('0' + v % 10));
                v /= 10;
            }
        }
    }
}
