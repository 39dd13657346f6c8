package dev.vigil.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.Sequence;
import dev.vigil.config.PipelineConfig;
import dev.vigil.config.PipelineConfig.Backpressure;
import dev.vigil.event.Event;
import dev.vigil.event.Field;
import dev.vigil.ingest.EventDecoder;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The publisher leaves lines undecoded for the pipeline thread while it keeps up, and never for garbage. */
class SharedDecodingTest {
    private static final byte[] GOOD = line("{\"evt.type\":\"execve\",\"evt.rawtime\":7,\"proc.pid\":42,\"proc.name\":\"sh\"}");
    private static final byte[] BAD = line("{\"evt.type\":");

    private static byte[] line(String s) {
        return (s + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics ingest = new IngestMetrics(registry);
    private final PipelineMetrics pipelineMetrics = new PipelineMetrics(registry);
    private final RingBuffer<Event> ring = RingBuffer.createSingleProducer(Event::new, 4096);
    /** The consumer's position, moved by hand: what the publisher sees of the pipeline thread. */
    private final Sequence consumed = new Sequence(-1);
    private final RingPublisher publisher;

    SharedDecodingTest() {
        ring.addGatingSequences(consumed);
        publisher = new RingPublisher(ring, Backpressure.block, true, ingest, pipelineMetrics);
    }

    /** A ring whose consumer is moved by hand (what the publisher sees of the pipeline thread), and its publisher. */
    private record HandRing(RingBuffer<Event> ring, Sequence consumed, RingPublisher publisher) {
    }

    private HandRing handRing(int size, boolean share) {
        RingBuffer<Event> r = RingBuffer.createSingleProducer(Event::new, size);
        Sequence c = new Sequence(-1);
        r.addGatingSequences(c);
        return new HandRing(r, c, new RingPublisher(r, Backpressure.block, share, ingest, pipelineMetrics));
    }

    /** One line as one read: the line, then the read's end, which publishes it. */
    static boolean offer(RingPublisher p, byte[] b, int off, int len, long receiveNanos, EventDecoder decoder) {
        boolean taken = p.onLine(b, off, len, receiveNanos, decoder);
        p.endOfBatch();
        return taken;
    }

    private Event last() {
        return ring.get(ring.getCursor());
    }

    @Test
    void aConnectionsFirstLineIsDecodedHereAndTheNextLeftUndecodedWhileThePipelineKeepsUp() {
        EventDecoder conn = new EventDecoder();
        assertTrue(offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn));
        assertFalse(last().isUndecoded());
        assertTrue(last().isValid());
        assertTrue(offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn));
        assertTrue(last().isUndecoded());
        assertFalse(last().isValid(), "the stages must not see it before it is decoded");
    }

    @Test
    void atLeastOneLineInARunIsJudgedHere() {
        EventDecoder conn = new EventDecoder();
        int undecoded = 0;
        for (int i = 0; i < 3 * EventDecoder.MAX_UNDECODED_RUN; i++) {
            offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn);
            undecoded += last().isUndecoded() ? 1 : 0;
            consumed.set(ring.getCursor());
        }
        assertEquals(3 * (EventDecoder.MAX_UNDECODED_RUN - 1), undecoded);
    }

    @Test
    void garbageIsJudgedHereLineByLineAndNeverTaken() {
        EventDecoder conn = new EventDecoder();
        offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn);
        offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn); // left undecoded: judged as the first was
        // A producer that turns to garbage: within the run, a line judged here ends the sharing.
        int taken = 0;
        for (int i = 0; i < 100; i++) {
            taken += offer(publisher, BAD, 0, BAD.length, System.nanoTime(), conn) ? 1 : 0;
        }
        assertTrue(taken < EventDecoder.MAX_UNDECODED_RUN, "taken " + taken);
        assertFalse(offer(publisher, BAD, 0, BAD.length, System.nanoTime(), conn));
        assertFalse(last().isUndecoded());
        EventDecoder garbageOnly = new EventDecoder();
        for (int i = 0; i < 100; i++) {
            assertFalse(offer(publisher, BAD, 0, BAD.length, System.nanoTime(), garbageOnly));
            assertFalse(last().isUndecoded());
        }
    }

    @Test
    void aPipelineThatFellBehindGetsDecodedLines() {
        EventDecoder conn = new EventDecoder();
        for (int i = 0; i <= RingPublisher.SHARE_BACKLOG + 1; i++) {
            offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn); // nothing consumed: the backlog grows
        }
        assertFalse(last().isUndecoded());
        consumed.set(ring.getCursor());
        offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn);
        assertTrue(last().isUndecoded());
    }

    @Test
    void onARingSmallerThanTwiceTheBacklogThePublisherDecodesOnceHalfTheRingIsBehind() {
        HandRing hand = handRing(64, true);
        RingBuffer<Event> small = hand.ring();
        Sequence smallConsumed = hand.consumed();
        RingPublisher p = hand.publisher();
        EventDecoder conn = new EventDecoder();
        for (int i = 0; i <= 33; i++) {
            offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // nothing consumed: 34 behind, more than half of 64
        }
        assertFalse(small.get(small.getCursor()).isUndecoded(), "a pipeline half a ring behind gets decoded lines");
        smallConsumed.set(small.getCursor());
        offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn);
        assertTrue(small.get(small.getCursor()).isUndecoded());
    }

    @Test
    void aHeldLineIsIntactWhenThePipelineThreadReachesItEvenAtTheMostItMayLag() {
        EventDecoder conn = new EventDecoder();
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        int held = 0;
        for (int i = 0; i < 5 * ring.getBufferSize(); i++) {
            byte[] b = line("{\"evt.type\":\"execve\",\"proc.pid\":" + (1000 + i) + "}");
            offer(publisher, b, 0, b.length, System.nanoTime(), conn);
            // The pipeline thread as far behind as the publisher lets it be before decoding itself.
            long next = ring.getCursor() - (RingPublisher.SHARE_BACKLOG - 1);
            if (next >= 0) {
                Event e = ring.get(next);
                if (e.isUndecoded()) {
                    deferred.decode(e);
                    held++;
                }
                assertEquals(1000 + next, e.getLong(Field.PROC_PID));
                consumed.set(next);
            }
        }
        assertTrue(held > ring.getBufferSize(), "lines held: " + held);
    }

    @Test
    void aLineLongerThanTheSlotsRoomIsDecodedHere() {
        EventDecoder conn = new EventDecoder();
        offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn);
        byte[] wide = line("{\"evt.type\":\"execve\",\"proc.cmdline\":\"" + "x".repeat(Event.MAX_UNDECODED_LINE_BYTES) + "\"}");
        assertTrue(offer(publisher, wide, 0, wide.length, System.nanoTime(), conn));
        assertFalse(last().isUndecoded());
        assertTrue(last().isValid());
    }

    @Test
    void thePipelineThreadDecodesTheHeldLineAsThePublisherWouldAndCountsItsRejects() {
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        Event held = new Event();
        held.holdUndecoded(GOOD, 0, GOOD.length, 0, 12345);
        deferred.decode(held);
        Event direct = new Event();
        assertEquals(null, new EventDecoder().decode(GOOD, 0, GOOD.length, direct, 0));
        direct.setReceiveNanos(12345);
        assertEquals(direct.toString(), held.toString());
        assertTrue(held.isValid());
        assertFalse(held.isUndecoded());
        assertEquals(12345, held.receiveNanos());
        assertEquals(42, held.getLong(Field.PROC_PID));

        held.holdUndecoded(BAD, 0, BAD.length, 0, 1);
        deferred.decode(held);
        assertFalse(held.isValid());
        assertEquals(1L, ingest.rejectedCounts().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void aHeldLinesValuesReferToTheLineInTheSlot() {
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        Event held = new Event();
        held.holdUndecoded(GOOD, 0, GOOD.length, 0, 1);
        deferred.decode(held);
        assertTrue(held.isValid());
        assertEquals("sh", held.string(Field.PROC_NAME));
        int nameAt = held.textStart(Field.PROC_NAME);
        assertTrue(nameAt > 0 && nameAt + 2 < GOOD.length, "proc.name is read where the line has it: " + nameAt);
        assertEquals('s', GOOD[nameAt]);
    }

    @Test
    void aHeldLineWithEscapesOrForTheGeneralDecoderKeepsTheLineWhileValuesAreWrittenAfterIt() {
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        String[] lines = {
            "{\"evt.type\":\"execve\",\"proc.pid\":42,\"proc.name\":\"sh\",\"proc.cmdline\":\"sh -c \\\"id\\\" \\u00e9\"}",
            "{\"evt.type\":\"execve\",\"proc.pid\":42,\"proc.cmdline\":\"sh -c \\\"id\\\" \\u00e9\",\"proc.name\":\"sh\",\"x\":{\"y\":[1,2]}}",
            "{\"evt.type\":\"execve\",\"proc.pid\":42,\"proc.cmdline\":\"" + "\\u00e9".repeat(70) + "\",\"proc.name\":\"sh\"}",
        };
        for (String l : lines) {
            byte[] b = line(l);
            Event direct = new Event();
            assertEquals(null, new EventDecoder().decode(b, 0, b.length, direct, 0));
            Event held = new Event();
            held.holdUndecoded(b, 0, b.length, 0, 0);
            deferred.decode(held);
            direct.setReceiveNanos(0);
            assertTrue(held.isValid(), l);
            assertEquals(direct.toString(), held.toString(), l);
            assertEquals("sh", held.string(Field.PROC_NAME), l);
        }
    }

    @Test
    void aSlotThatHeldALineThenGetsOneDecodedByThePublisherStartsItsTextAfresh() {
        EventDecoder conn = new EventDecoder();
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        HandRing hand = handRing(2, true); // a backlog of 1 is shared
        RingBuffer<Event> two = hand.ring();
        Sequence twoConsumed = hand.consumed();
        RingPublisher p = hand.publisher();
        offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // 0: a connection's first line, decoded here
        twoConsumed.set(0);
        offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // 1: the pipeline keeps up, held
        Event slot1 = two.get(1);
        assertTrue(slot1.isUndecoded());
        deferred.decode(slot1);
        offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // 2: 2 ahead of the pipeline, decoded here
        twoConsumed.set(1);
        offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // 3: slot 1 again, 2 ahead, decoded here
        assertEquals(3, two.getCursor());
        assertFalse(slot1.isUndecoded());
        assertEquals("execve", slot1.string(Field.EVT_TYPE));
        assertEquals(0, slot1.textStart(Field.EVT_TYPE), "the values start the arena: the held line was let go");
    }

    @Test
    void aReadsLinesArePublishedInRunsAndAllByTheReadsEnd() {
        EventDecoder conn = new EventDecoder();
        int lines = RingPublisher.MAX_UNPUBLISHED + 5;
        for (int i = 0; i < lines; i++) {
            publisher.onLine(GOOD, 0, GOOD.length, System.nanoTime(), conn);
            consumed.set(ring.getCursor()); // a pipeline that keeps up with what it sees
            long expected = i + 1 < RingPublisher.MAX_UNPUBLISHED ? -1 : RingPublisher.MAX_UNPUBLISHED - 1;
            assertEquals(expected, ring.getCursor(), "published after line " + (i + 1));
        }
        publisher.endOfBatch();
        assertEquals(lines - 1, ring.getCursor(), "the read's end publishes the rest");
        publisher.endOfBatch();
        assertEquals(lines - 1, ring.getCursor());
    }

    @Test
    void aRingTooSmallForARunPublishesEachLine() {
        HandRing hand = handRing(4, false);
        RingBuffer<Event> small = hand.ring();
        Sequence smallConsumed = hand.consumed();
        RingPublisher p = hand.publisher();
        EventDecoder conn = new EventDecoder();
        for (int i = 0; i < 10; i++) {
            p.onLine(GOOD, 0, GOOD.length, System.nanoTime(), conn);
            assertEquals(i, small.getCursor());
            smallConsumed.set(i);
        }
    }

    @Test
    void aFullRingGetsWhatIsWrittenPublishedBeforeThePublisherWaitsForRoom() throws Exception {
        HandRing hand = handRing(256, false); // runs of 32
        RingBuffer<Event> r = hand.ring();
        Sequence c = hand.consumed();
        RingPublisher p = hand.publisher();
        EventDecoder conn = new EventDecoder();
        for (int i = 0; i < 10; i++) {
            offer(p, GOOD, 0, GOOD.length, System.nanoTime(), conn); // reads of a line: runs start anywhere
        }
        for (int i = 10; i < 256; i++) {
            p.onLine(GOOD, 0, GOOD.length, System.nanoTime(), conn); // one long read: the ring fills mid-run
        }
        assertTrue(r.getCursor() < 255, "a run is still unpublished: " + r.getCursor());
        boolean[] sawAll = new boolean[1];
        Thread consumer = new Thread(() -> {
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (r.getCursor() < 255 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            sawAll[0] = r.getCursor() == 255;
            c.set(r.getCursor()); // what the pipeline could see is through (else the publisher would wait forever)
        });
        consumer.start();
        // The ring is full: the publisher waits for room. (The Disruptor's claim also moves the cursor to
        // the last claimed slot when it looks for room; the publisher's own publish is what wakes a
        // parked pipeline thread.)
        p.onLine(GOOD, 0, GOOD.length, System.nanoTime(), conn);
        consumer.join();
        assertTrue(sawAll[0], "the publisher waited for room with slots the pipeline could not see");
        p.endOfBatch();
        assertEquals(256, r.getCursor());
    }

    @Test
    void holdingALineAndDecodingItOnThePipelineThreadAllocatesNothing() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        EventDecoder conn = new EventDecoder();
        DeferredDecoder deferred = new DeferredDecoder(new EventDecoder(), ingest);
        Runnable round = () -> {
            offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn);
            Event e = last();
            if (e.isUndecoded()) {
                deferred.decode(e);
            }
            consumed.set(ring.getCursor());
        };
        for (int i = 0; i < 3 * ring.getBufferSize(); i++) {
            round.run(); // every slot has held a line once: its buffer exists
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            round.run();
        }
        assertEquals(0, (mx.getThreadAllocatedBytes(tid) - before) / n, "bytes allocated per line");
        long decodedByPipeline = deferred.takeUncounted();
        assertTrue(decodedByPipeline > n / 2, "most lines were left undecoded: " + decodedByPipeline);
    }

    @Test
    void theLinesThePipelineThreadDecodesAreCountedAtTheBatchsEnd() throws Exception {
        EventDecoder conn = new EventDecoder();
        for (int i = 0; i < 3; i++) {
            offer(publisher, GOOD, 0, GOOD.length, System.nanoTime(), conn); // the first decoded here, the next two held
        }
        StageHandler stages = new StageHandler(new DeferredDecoder(new EventDecoder(), ingest), Enricher.NONE,
            NoRules.INSTANCE, a -> { }, pipelineMetrics, BatchEndTask.NONE);
        stages.onEvent(ring.get(0), 0, false);
        stages.onEvent(ring.get(1), 1, false);
        assertEquals(0, pipelineMetrics.decodedOnPipelineThreadCount(), "added to once a batch");
        stages.onEvent(ring.get(2), 2, true);
        assertEquals(2, pipelineMetrics.decodedOnPipelineThreadCount());
        assertEquals(3, pipelineMetrics.processedCount());
        stages.onTimeout(2);
        assertEquals(2, pipelineMetrics.decodedOnPipelineThreadCount(), "counted once");
    }

    @Test
    void everyLineIsCountedOnceWhicheverThreadDecodesIt() throws Exception {
        List<Long> pids = Collections.synchronizedList(new ArrayList<>());
        Matcher record = new Matcher() {
            @Override
            public void match(Event event, dev.vigil.alert.AlertEmitter emitter) {
                pids.add(event.getLong(Field.PROC_PID));
            }

            @Override
            public int ruleCount() {
                return 0;
            }
        };
        SimpleMeterRegistry r = new SimpleMeterRegistry();
        IngestMetrics im = new IngestMetrics(r);
        PipelineMetrics pm = new PipelineMetrics(r);
        int lines = 20_000;
        int rejected = 0;
        try (EventPipeline pipeline = new EventPipeline(PipelineConfig.defaults(), Enricher.NONE, record, a -> { }, im, pm, r)) {
            pipeline.start();
            EventDecoder conn = new EventDecoder();
            for (int i = 0; i < lines; i++) {
                byte[] b = i % 97 == 96 ? BAD : line("{\"evt.type\":\"execve\",\"proc.pid\":" + i + "}");
                rejected += b == BAD ? 1 : 0;
                offer(pipeline.publisher(), b, 0, b.length, System.nanoTime(), conn);
            }
            assertTrue(pipeline.drain(Duration.ofSeconds(10)));
        }
        assertEquals(lines - rejected, pm.processedCount());
        assertTrue(pm.decodedOnPipelineThreadCount() > 0 && pm.decodedOnPipelineThreadCount() < lines,
            "some lines decoded on each thread: " + pm.decodedOnPipelineThreadCount() + " of " + lines + " on the pipeline's");
        assertEquals(rejected, im.rejectedCounts().values().stream().mapToLong(Long::longValue).sum());
        for (int i = 1; i < pids.size(); i++) {
            assertTrue(pids.get(i) > pids.get(i - 1), "in order");
        }
    }
}
