package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vigil.event.Event;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Coverage-guided fuzzing (Jazzer) of what a producer's bytes go through: {@link LineFramer} then
 * {@link EventDecoder}. Arbitrary bytes arrive in arbitrary chunks, with an arbitrary maximum line
 * length and read size; the test checks against a reference model (split on {@code '\n'}) that
 *
 * <ul>
 *   <li>no exception escapes the framer or the decoder;
 *   <li>every complete line is handed out exactly once, in order, with its exact bytes, or reported
 *       too long exactly once; blank lines are skipped; the framer's output does not depend on how
 *       the bytes were chunked;
 *   <li>the framer never holds more than {@code maxLineBytes} of a partial line;
 *   <li>each line is decoded (valid) or rejected with a reason, and the connection's decoder, which
 *       has seen every earlier line (and replaced its parser after bad ones), decodes it exactly as a
 *       fresh decoder does.
 * </ul>
 *
 * <p>{@code mvn test} runs it on the seed corpus in {@code LineIngestFuzzTestInputs/} (real events from
 * the sysdig recordings, and mutations of them). To fuzz: {@code JAZZER_FUZZ=1 mvn -pl agent test
 * -Dtest=LineIngestFuzzTest} (bounded by {@code maxDuration}; docs/reliability.md has the longer run).
 */
class LineIngestFuzzTest {
    private static final int[] MAX_LINE_BYTES = {16, 100, 512, 2048, 65_536};
    private static final long RECEIVE_NANOS = 1_700_000_000_000_000_000L;

    /** What the framer reported, in order: a line's bytes (with its newline), or null for "too long". */
    private static final class RecordingSink implements LineSink {
        final List<byte[]> outcomes = new ArrayList<>();
        final Map<RejectReason, Integer> rejected = new EnumMap<>(RejectReason.class);
        int valid;
        final Event slot = new Event();
        final Event freshSlot = new Event();

        @Override
        public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
            outcomes.add(Arrays.copyOfRange(buf, off, off + len));
            RejectReason reason = decoder.decode(buf, off, len, slot, RECEIVE_NANOS);
            RejectReason fresh = new EventDecoder().decode(buf, off, len, freshSlot, RECEIVE_NANOS);
            assertEquals(fresh, reason, "the connection's decoder agrees with a fresh one");
            if (reason == null) {
                valid++;
                assertEquals(freshSlot.eventType(), slot.eventType());
                assertEquals(freshSlot.toString(), slot.toString(), "same decoded event");
            } else {
                rejected.merge(reason, 1, Integer::sum);
            }
            return reason == null;
        }

        @Override
        public void onTooLong() {
            outcomes.add(null);
            rejected.merge(RejectReason.TOO_LONG, 1, Integer::sum);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void framesAndDecodesEveryLineOnce(FuzzedDataProvider data) {
        // Settings come from the end of the input, the stream from its front: a seed file is a stream.
        int maxLineBytes = MAX_LINE_BYTES[data.consumeInt(0, MAX_LINE_BYTES.length - 1)];
        int readBytes = data.consumeInt(1, 8192);
        boolean lastLineCounts = data.consumeBoolean();
        LineFramer framer = new LineFramer(maxLineBytes, readBytes, new EventDecoder());
        RecordingSink sink = new RecordingSink();
        ByteArrayOutputStream stream = new ByteArrayOutputStream();

        while (data.remainingBytes() > 0) {
            byte[] chunk = data.consumeBytes(data.consumeInt(1, 4096));
            stream.writeBytes(chunk);
            int at = 0;
            while (at < chunk.length) {
                int n = Math.min(framer.writable(), chunk.length - at);
                assertTrue(n > 0, "the framer always has room for a read");
                System.arraycopy(chunk, at, framer.buffer(), framer.writeOffset(), n);
                framer.written(n, System.nanoTime(), sink);
                at += n;
                assertTrue(framer.pendingBytes() <= maxLineBytes,
                    "holds " + framer.pendingBytes() + " bytes of a partial line, max " + maxLineBytes);
            }
        }
        framer.endOfInput(lastLineCounts, System.nanoTime(), sink);
        assertEquals(0, framer.pendingBytes());

        List<byte[]> expected = expectedOutcomes(stream.toByteArray(), maxLineBytes, lastLineCounts);
        assertEquals(expected.size(), sink.outcomes.size(), "one outcome per line");
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) == null) {
                assertEquals(null, sink.outcomes.get(i), "line " + i + " is too long");
            } else {
                assertArrayEquals(expected.get(i), sink.outcomes.get(i), "line " + i);
            }
        }
        int accounted = sink.valid;
        for (int n : sink.rejected.values()) {
            accounted += n;
        }
        assertEquals(expected.size(), accounted, "every line decoded or rejected with a reason");
    }

    /** The reference model: what a framer must report for this stream, however it was chunked. */
    static List<byte[]> expectedOutcomes(byte[] s, int maxLineBytes, boolean lastLineCounts) {
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == '\n') {
                expectLine(out, Arrays.copyOfRange(s, from, i + 1), maxLineBytes);
                from = i + 1;
            }
        }
        if (from < s.length) {
            byte[] partial = Arrays.copyOfRange(s, from, s.length);
            if (lastLineCounts) {
                byte[] line = Arrays.copyOf(partial, partial.length + 1);
                line[partial.length] = '\n';
                expectLine(out, line, maxLineBytes);
            } else if (partial.length > maxLineBytes) {
                out.add(null); // reported too long while it arrived, then lost with the connection
            }
        }
        return out;
    }

    private static void expectLine(List<byte[]> out, byte[] lineWithNewline, int maxLineBytes) {
        int content = contentLength(lineWithNewline, lineWithNewline.length - 1);
        if (content == 0) {
            return; // a keep-alive
        }
        out.add(lineWithNewline.length - 1 > maxLineBytes ? null : lineWithNewline); // a '\r' counts
    }

    /** Length without a trailing {@code '\r'} (part of a CRLF newline). */
    private static int contentLength(byte[] b, int len) {
        return len > 0 && b[len - 1] == '\r' ? len - 1 : len;
    }
}
