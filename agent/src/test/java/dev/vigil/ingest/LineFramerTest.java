package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineFramerTest {
    private final List<String> lines = new ArrayList<>();
    private int tooLong;
    /** A line that makes the sink throw. */
    private String failOn;
    /** The lines handed out when each batch ended. */
    private final List<Integer> batchEnds = new ArrayList<>();
    private final LineSink sink = new LineSink() {
        @Override
        public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
            assertEquals('\n', buf[off + len - 1], "a line is handed out with its newline");
            String line = new String(buf, off, len - 1, StandardCharsets.UTF_8);
            if (line.equals(failOn)) {
                throw new IllegalStateException("the sink failed on " + line);
            }
            lines.add(line);
            return true;
        }

        @Override
        public void onTooLong() {
            tooLong++;
        }

        @Override
        public void endOfBatch() {
            batchEnds.add(lines.size());
        }
    };

    private void feed(LineFramer f, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        int at = 0;
        while (at < b.length) {
            int n = Math.min(f.writable(), b.length - at);
            System.arraycopy(b, at, f.buffer(), f.writeOffset(), n);
            f.written(n, System.nanoTime(), sink);
            at += n;
        }
    }

    @Test
    void cutsLinesAcrossReads() {
        LineFramer f = new LineFramer(100, 4096, new EventDecoder());
        feed(f, "a1\nb2");
        feed(f, "2\nc3");
        assertEquals(List.of("a1", "b22"), lines);
        feed(f, "3\n");
        assertEquals(List.of("a1", "b22", "c33"), lines);
        assertEquals(0, f.pendingBytes());
    }

    @Test
    void eachReadsLinesEndWithTheEndOfABatchEvenWhenTheSinkFails() {
        LineFramer f = new LineFramer(100, 4096, new EventDecoder());
        feed(f, "a\nb\nc");
        assertEquals(List.of(2), batchEnds, "one batch end after the read's two lines");
        feed(f, "\n");
        assertEquals(List.of(2, 3), batchEnds);
        feed(f, "tail");
        assertEquals(List.of(2, 3, 3), batchEnds, "a read with no complete line still ends a batch");
        f.endOfInput(true, System.nanoTime(), sink);
        assertEquals(List.of(2, 3, 3, 4), batchEnds, "the last line of a file, then a batch end");
        failOn = "bad";
        assertThrows(IllegalStateException.class, () -> feed(f, "x\nbad\ny\n"));
        assertEquals(5, lines.size());
        assertEquals(5, batchEnds.get(batchEnds.size() - 1), "lines handed out before a failure are not held back");
    }

    @Test
    void dropsCarriageReturnsAndBlankLines() {
        LineFramer f = new LineFramer(100, 4096, new EventDecoder());
        feed(f, "x\r\n\n\r\ny\n");
        assertEquals(List.of("x\r", "y"), lines, "the line keeps its \\r (JSON whitespace); blank lines are skipped");
    }

    @Test
    void anOverLongLineIsReportedOnceAndTheNextLineStillArrives() {
        LineFramer f = new LineFramer(256, 4096, new EventDecoder());
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            big.append('z');
        }
        feed(f, "ok1\n");
        for (int i = 0; i < 100; i++) {
            feed(f, big.toString()); // 10 MB, never a newline
            assertTrue(f.pendingBytes() <= 256, "memory held stays under the maximum line length");
        }
        feed(f, "tail\nok2\n");
        assertEquals(List.of("ok1", "ok2"), lines);
        assertEquals(1, tooLong);
    }

    @Test
    void aLineOfExactlyTheMaximumIsAccepted() {
        LineFramer f = new LineFramer(256, 4096, new EventDecoder());
        String max = "m".repeat(256);
        feed(f, max + "\n" + max + "m\n");
        assertEquals(List.of(max), lines);
        assertEquals(1, tooLong);
    }

    @Test
    void aPartialLineAtDisconnectIsLostButAtEndOfFileIsALine() {
        LineFramer f = new LineFramer(100, 4096, new EventDecoder());
        feed(f, "full\npart");
        f.endOfInput(false, System.nanoTime(), sink);
        assertEquals(List.of("full"), lines);
        feed(f, "last");
        f.endOfInput(true, System.nanoTime(), sink);
        assertEquals(List.of("full", "last"), lines);
    }

    @Test
    void aCrlfLineAtTheMaximumGetsTheSameVerdictHoweverItIsChunked() {
        String max = "m".repeat(256);
        LineFramer whole = new LineFramer(256, 4096, new EventDecoder());
        feed(whole, max + "\r\n");
        List<String> wholeLines = new ArrayList<>(lines);
        int wholeTooLong = tooLong;
        lines.clear();
        tooLong = 0;
        LineFramer split = new LineFramer(256, 4096, new EventDecoder());
        feed(split, max + "\r");
        feed(split, "\n");
        assertEquals(wholeLines, lines, "same lines whether the newline came with the line or after it");
        assertEquals(wholeTooLong, tooLong);
    }

    @Test
    void aLineTheSinkFailedOnIsNotHandedOutAgain() {
        LineFramer f = new LineFramer(100, 4096, new EventDecoder());
        failOn = "bad";
        assertThrows(IllegalStateException.class, () -> feed(f, "ok\nbad\n"));
        feed(f, "next\n");
        assertEquals(List.of("ok", "next"), lines, "the next read goes on after the failed line, without it");
        assertThrows(IllegalStateException.class, () -> {
            feed(f, "bad");
            f.endOfInput(true, System.nanoTime(), sink);
        });
        assertEquals(0, f.pendingBytes(), "the input's end leaves nothing held, even when its last line failed");
    }
}
