package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.vigil.event.Event;
import java.util.Arrays;

/**
 * Coverage-guided differential fuzzing (Jazzer): {@link EventDecoder}, with its byte-level fast path,
 * decodes any line exactly as {@link JacksonEventDecoder} alone does (same reject reason, same slot).
 * The input is split into lines on {@code '\n'} and they go through one pair of decoders in turn, so
 * what a line leaves behind in a decoder (its key table, its parser) is exercised too.
 *
 * <p>{@code mvn test} runs it on the seeds in {@code EventDecoderDifferentialFuzzTestInputs/}. To fuzz:
 * {@code JAZZER_FUZZ=1 mvn -pl agent test -Dtest=EventDecoderDifferentialFuzzTest} (bounded by
 * {@code maxDuration}; CI runs 30 s).
 */
class EventDecoderDifferentialFuzzTest {
    private static final long RECEIVED = 1_700_000_000_000_000_000L;

    @FuzzTest(maxDuration = "60s")
    void decodesLikeTheGeneralDecoder(byte[] data) {
        EventDecoder decoder = new EventDecoder();
        JacksonEventDecoder reference = new JacksonEventDecoder();
        Event slot = new Event();
        Event referenceSlot = new Event();
        int from = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == '\n') {
                if (i > from) {
                    byte[] line = Arrays.copyOfRange(data, from, i + 1);
                    line[line.length - 1] = '\n';
                    RejectReason expected = reference.decode(line, 0, line.length, referenceSlot, RECEIVED);
                    // Alone in its array (a read outside it throws), then between other bytes as in the framer.
                    RejectReason actual = decoder.decode(line, 0, line.length, slot, RECEIVED);
                    check(expected, referenceSlot, actual, slot, line);
                    byte[] framed = EventDecoderDifferentialTest.embedded(line);
                    actual = decoder.decode(framed, EventDecoderDifferentialTest.PADDING.length, line.length, slot, RECEIVED);
                    check(expected, referenceSlot, actual, slot, line);
                    if (decoder.fastPathErrors() != 0) {
                        fail("the fast path threw on: " + EventDecoderDifferentialTest.printable(line));
                    }
                }
                from = i + 1;
            }
        }
    }

    private static void check(RejectReason expected, Event referenceSlot, RejectReason actual, Event slot, byte[] line) {
        String diff = SlotDiff.firstDifference(expected, referenceSlot, actual, slot);
        if (diff != null) {
            fail(diff + "\n  line: " + EventDecoderDifferentialTest.printable(line));
        }
    }
}