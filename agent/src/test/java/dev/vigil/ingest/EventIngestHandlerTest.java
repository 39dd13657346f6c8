package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import dev.vigil.event.Field;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ingest handler in an {@link EmbeddedChannel}, no socket: bytes in any chunks are framed,
 * decoded by the connection's decoder into an event (as the ring publisher does) and published, or
 * rejected with their reason; the connection is told which reads delivered; every buffer is released.
 * The real-socket side (credentials, places, epoll) is {@link UnixSocketServerTest}.
 */
class EventIngestHandlerTest {
    private static final int MAX_LINE = 256;

    private final List<String> published = new ArrayList<>();
    private final List<String> rejected = new ArrayList<>();
    private final List<Boolean> reads = new ArrayList<>();
    /** The receive time of each line handed to the publisher, in order. */
    private final List<Long> receiveTimes = new ArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics metrics = new IngestMetrics(registry);

    /** Decode into a slot, publish the valid, count the rest by reason: the ring publisher's contract. */
    private final LineSink publisher = new LineSink() {
        private final Event slot = new Event();

        @Override
        public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
            metrics.received();
            receiveTimes.add(receiveNanos);
            RejectReason reason = decoder.decode(buf, off, len, slot, 0);
            if (reason != null) {
                metrics.rejected(reason);
                rejected.add(reason.label());
                return false;
            }
            published.add(EventTypes.name(slot.eventType()) + ":" + slot.string(Field.PROC_NAME));
            return true;
        }

        @Override
        public void onTooLong() {
            metrics.received();
            metrics.rejected(RejectReason.TOO_LONG);
            rejected.add(RejectReason.TOO_LONG.label());
        }
    };

    private EmbeddedChannel channel() {
        LineFramer framer = new LineFramer(MAX_LINE, 4096, new EventDecoder());
        return new EmbeddedChannel(new EventIngestHandler(framer, publisher, metrics, (anyTaken, nanoTime) -> reads.add(anyTaken)));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.UTF_8);
    }

    @Test
    void linesInAnyChunksAreFramedDecodedAndPublishedAndEveryBufferReleased() {
        EmbeddedChannel ch = channel();
        assertEquals(1, metrics.connections());
        String stream = "{\"evt.type\":\"execve\",\"proc.name\":\"sh\"}\n"
            + "{\"evt.type\":\"socket\",\"proc.name\":\"tcpdump\"}\r\n"
            + "{\"evt.type\":\"openat\",\"proc.name\":\"cat\"}\n";
        List<ByteBuf> sent = new ArrayList<>();
        for (int i = 0; i < stream.length(); i += 7) { // cut anywhere, mid-key, mid-\r\n
            ByteBuf b = bytes(stream.substring(i, Math.min(stream.length(), i + 7)));
            sent.add(b);
            assertFalse(ch.writeInbound(b), "the handler passes nothing on: it publishes");
        }
        assertEquals(List.of("execve:sh", "socket:tcpdump", "openat:cat"), published);
        for (ByteBuf b : sent) {
            assertEquals(0, b.refCnt(), "released");
        }
        assertEquals(3, metrics.receivedCount());
        assertFalse(ch.finish());
    }

    @Test
    void badLinesAreRejectedWithTheirReasonAndTheConnectionCarriesOn() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("not json\n[1,2]\n{\"proc.name\":\"x\"}\n{\"evt.type\":7}\n"
            + "{\"evt.type\":\"execve\",\"proc.name\":\"" + "a".repeat(MAX_LINE) + "\"}\n"
            + "{\"evt.type\":\"execve\",\"proc.name\":\"\u00e9\"}\n"));
        ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {'{', '"', 'e', (byte) 0xff, '"', ':', '1', '}', '\n'}));
        ch.writeInbound(bytes("{\"evt.type\":\"execve\",\"proc.name\":\"after\"}\n"));
        assertEquals(List.of("not_json", "not_object", "missing_type", "wrong_type", "too_long", "invalid_utf8"),
            rejected);
        assertEquals(List.of("execve:\u00e9", "execve:after"), published);
        assertTrue(ch.isActive(), "a bad line never closes the connection");
        assertEquals(8, metrics.receivedCount(), "every line counted once");
        assertEquals(6L, metrics.rejectedCounts().values().stream().mapToLong(Long::longValue).sum());
        ch.finishAndReleaseAll();
    }

    @Test
    void eachReadTellsTheConnectionWhetherItDeliveredAnEvent() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("{\"evt.ty"));                 // a slow-loris' bytes: no line, no report
        ch.writeInbound(bytes("pe\":\"execve\"}\n"));         // completes a valid line
        ch.writeInbound(bytes("garbage\n"));                 // a line, rejected
        ch.writeInbound(bytes("\n\r\n"));                    // keep-alives: lines, not events, not counted
        ch.writeInbound(bytes("junk\n{\"evt.type\":\"x\"}\n")); // one read: a reject and an event
        assertEquals(List.of(true, false, false, true), reads);
        assertEquals(4, metrics.receivedCount(), "4 lines; the blank ones are not counted");
        ch.finishAndReleaseAll();
    }

    @Test
    void theClockIsReadOncePerReadAndEveryLineThatReadCompletesHasItsTime() {
        long[] clock = {0};
        List<Long> reportedTimes = new ArrayList<>();
        LineFramer framer = new LineFramer(MAX_LINE, 4096, new EventDecoder());
        EmbeddedChannel ch = new EmbeddedChannel(new EventIngestHandler(framer, publisher, metrics,
            (anyTaken, nanoTime) -> reportedTimes.add(nanoTime), () -> clock[0] += 1000));
        ch.writeInbound(bytes("{\"evt.type\":\"execve\",\"proc.name\":\"a\"}\n"
            + "{\"evt.type\":\"execve\",\"proc.name\":\"b\"}\n{\"evt.ty"));    // read at 1000
        ch.writeInbound(bytes("pe\":\"execve\",\"proc.name\":\"c\"}\n"
            + "{\"evt.type\":\"execve\",\"proc.name\":\"d\"}\n"));              // read at 2000
        ch.writeInbound(bytes("{\"evt.type\":\"execve\",\"proc.name\":\"e\"}\n")); // read at 3000
        assertEquals(List.of("execve:a", "execve:b", "execve:c", "execve:d", "execve:e"), published);
        assertEquals(List.of(1000L, 1000L, 2000L, 2000L, 3000L), receiveTimes,
            "a read's lines share its time; a line cut across reads has the time of the read that completed it");
        assertEquals(3000, clock[0], "one clock read per read, not per line");
        assertEquals(List.of(1000L, 2000L, 3000L), reportedTimes, "the connection's activity is timed by the same read");
        ch.finishAndReleaseAll();
    }

    @Test
    void aDisconnectMidLineLosesOnlyThatLineAndIsCounted() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(bytes("{\"evt.type\":\"execve\",\"proc.name\":\"whole\"}\n{\"evt.type\":\"exe"));
        ch.close();
        assertEquals(List.of("execve:whole"), published);
        assertEquals(List.of(), rejected, "a cut line is not a line");
        assertEquals(0, metrics.connections());
        assertEquals(1, metrics.receivedCount());
    }
}
