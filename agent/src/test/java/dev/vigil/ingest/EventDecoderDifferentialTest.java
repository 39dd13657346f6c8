package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.vigil.event.Event;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * {@link EventDecoder} (fast path, general fallback) decodes every line exactly as the general
 * {@link JacksonEventDecoder} alone does: same reject reason, same slot. Over the recorded sysdig
 * corpus, the rules' test events, the fuzzer's seeds, and seeded mutations of all of these.
 */
class EventDecoderDifferentialTest {
    private static final long RECEIVED = 1_700_000_000_000_000_000L;
    static final Path SCAP_CORPUS = Path.of(System.getProperty("vigil.scapCorpus", "/work/shared/corpus/scap"));
    static final Path RULE_EVENTS = Path.of("../rules/tests/vigil_rules.events.jsonl");
    static final Path FUZZ_SEEDS = Path.of("src/test/resources/dev/vigil/ingest/LineIngestFuzzTestInputs");

    /** Lines sensors send: all of them must take the fast path. */
    static final List<String> TYPICAL = List.of(
        "{\"evt.type\":\"socket\",\"evt.rawtime\":1795000151000002000,\"evt.res\":3,\"proc.pid\":4242,\"proc.ppid\":4200,"
            + "\"proc.name\":\"tcpdump\",\"proc.exepath\":\"/usr/bin/tcpdump\",\"user.uid\":0,\"container.id\":\"de6b9f00ba11\","
            + "\"thread.cap_effective\":\"0x00000000a80425fb\",\"evt.arg.domain\":17,\"evt.arg.type\":3,\"evt.arg.proto\":768}",
        "{\"evt.type\":\"clone\",\"evt.rawres\":17498,\"evt.res\":\"SUCCESS\",\"evt.time\":1534527348518881735,"
            + "\"group.gid\":8589934591,\"proc.aname[2]\":\"sshd\",\"user.loginuid\":-1,\"evt.failed\":false,\"x\":null}",
        "{ \"evt.type\" : \"mount\" , \"evt.arg.type\" : \"tmpfs\", \"evt.time\":\"2026-11-22T12:00:00.5+01:00\" }\r",
        "{\"evt.type\":\"capable\",\"evt.arg.cap\":\"CAP_SYS_ADMIN\",\"evt.arg.audit\":\"1\",\"thread.cap_permitted\":\"CAP_SYS_ADMIN CAP_NET_RAW\",\"evt.res\":-1}",
        "{\"evt.type\":\"socket\",\"evt.arg.domain\":\"AF_PACKET\",\"evt.arg.type\":\"SOCK_RAW|SOCK_CLOEXEC\",\"evt.res\":\"EAGAIN\",\"container.privileged\":true}");

    private final EventDecoder decoder = new EventDecoder();
    private final JacksonEventDecoder reference = new JacksonEventDecoder();
    private final Event slot = new Event();
    private final Event referenceSlot = new Event();
    private RejectReason referenceReason;
    private long lines;

    /** Decodes with both; fails with the first difference. */
    private void same(byte[] line) {
        RejectReason expected = reference.decode(line, 0, line.length, referenceSlot, RECEIVED);
        referenceReason = expected;
        // Every other line lies between other bytes, as in the framer's buffer (a read outside the line
        // could then change the result); the others fill their array exactly (a read outside them throws).
        RejectReason actual = (++lines & 1) == 0
            ? decoder.decode(line, 0, line.length, slot, RECEIVED)
            : decoder.decode(embedded(line), PADDING.length, line.length, slot, RECEIVED);
        String diff = SlotDiff.firstDifference(expected, referenceSlot, actual, slot);
        if (diff != null) {
            fail(diff + "\n  line: " + printable(line));
        }
        if (decoder.fastPathErrors() != 0) {
            fail("the fast path threw on: " + printable(line));
        }
    }

    @Test
    void typicalLinesTakeTheFastPathWithTheSameResult() {
        for (String s : TYPICAL) {
            long before = decoder.generalLines();
            same(LineMutator.withNewline(s.getBytes(StandardCharsets.UTF_8)));
            assertEquals(before, decoder.generalLines(), "took the fast path: " + s);
            assertTrue(slot.isValid(), s);
        }
    }

    @Test
    void theRecordedCorpusDecodesTheSameMostlyOnTheFastPath() throws IOException {
        List<byte[]> lines = scapCorpus();
        assumeTrue(!lines.isEmpty(), "the sysdig JSON corpus was not found at " + SCAP_CORPUS);
        for (byte[] line : lines) {
            same(line);
        }
        // Only the lines with escapes or nested values (~1 %) may need the general decoder.
        assertTrue(decoder.generalLines() * 50 < lines.size(),
            decoder.generalLines() + " of " + lines.size() + " corpus lines left the fast path");
    }

    @Test
    void ruleTestEventsAndFuzzSeedsDecodeTheSame() throws IOException {
        List<byte[]> lines = new ArrayList<>(otherCorpora());
        assertTrue(lines.size() > 1000, "found the rules' test events and the fuzz seeds: " + lines.size());
        for (byte[] line : lines) {
            same(line);
        }
    }

    @Test
    void mutatedLinesDecodeTheSame() throws IOException {
        List<byte[]> bases = new ArrayList<>();
        for (String s : TYPICAL) {
            bases.add(s.getBytes(StandardCharsets.UTF_8));
        }
        for (byte[] line : scapCorpus()) {
            bases.add(java.util.Arrays.copyOf(line, line.length - 1));
        }
        for (byte[] line : otherCorpora()) {
            bases.add(java.util.Arrays.copyOf(line, line.length - 1));
        }
        LineMutator mutator = new LineMutator(20261122);
        java.util.Random pick = new java.util.Random(7);
        int n = Integer.getInteger("vigil.mutations", 100_000);
        java.util.Map<String, Integer> fastOutcomes = new java.util.TreeMap<>();
        for (int i = 0; i < n; i++) {
            long general = decoder.generalLines();
            same(mutator.mutate(bases.get(pick.nextInt(bases.size()))));
            if (decoder.generalLines() == general) {
                fastOutcomes.merge(String.valueOf(slot.isValid() ? "valid" : referenceReason), 1, Integer::sum);
            }
        }
        System.out.println("fast path outcomes of " + n + " mutated lines: " + fastOutcomes);
        // The mutations must reach the fast path's own verdicts, not only its hand-overs.
        assertTrue(fastOutcomes.getOrDefault("valid", 0) > n / 20, "valid on the fast path: " + fastOutcomes);
        assertTrue(fastOutcomes.getOrDefault("WRONG_TYPE", 0) > n / 100, "wrong_type on the fast path: " + fastOutcomes);
        assertTrue(fastOutcomes.getOrDefault("MISSING_TYPE", 0) > 0, "missing_type on the fast path: " + fastOutcomes);
    }

    /** Each rule of the wire contract, and the forms at the fast path's edges. */
    static final List<String> EDGES = List.of(
        "{}", "{ }", "{\"evt.type\":\"x\"}", " {\"evt.type\":\"x\"} ", "\t{\"evt.type\"\t:\t\"x\"\t}\r",
        "{\"evt.type\":\"x\",\"evt.type\":\"execve\"}", "{\"evt.type\":\"x\",\"proc.pid\":1,\"proc.pid\":2}",
        "{\"evt.type\":\"x\",\"evt.res\":\"EAGAIN\",\"evt.rawres\":-11}", "{\"evt.type\":\"x\",\"evt.rawres\":5,\"evt.res\":\"EAGAIN\"}",
        "{\"evt.type\":\"x\",\"evt.res\":\"ENOTANERRNO\"}", "{\"evt.type\":\"x\",\"evt.res\":\"ENOTANERRNO\",\"evt.rawres\":0}",
        "{\"evt.type\":\"x\",\"evt.res\":-2,\"evt.failed\":false}", "{\"evt.type\":\"x\",\"evt.rawres\":\"-2\"}",
        "{\"evt.type\":\"x\",\"evt.rawres\":\"EAGAIN\"}", "{\"evt.type\":\"x\",\"evt.rawres\":true}",
        "{\"evt.type\":\"x\",\"proc.name\":-0,\"proc.pid\":-0,\"n\":-0,\"container.privileged\":-0}",
        "{\"evt.type\":\"x\",\"proc.name\":123,\"user.uid\":\"0x10\",\"proc.vpid\":\"+7\"}",
        "{\"evt.type\":\"x\",\"container.privileged\":\"1\",\"evt.arg.audit\":0}",
        "{\"evt.type\":\"x\",\"container.privileged\":1}", "{\"evt.type\":\"x\",\"container.privileged\":2}",
        "{\"evt.type\":\"x\",\"thread.cap_effective\":\" CAP_CHOWN,CAP_KILL \"}", "{\"evt.type\":\"x\",\"thread.cap_effective\":true}",
        "{\"evt.type\":\"x\",\"thread.cap_inheritable\":\"SYS_ADMIN\"}", "{\"evt.type\":\"x\",\"thread.cap_permitted\":\"ffffffffffffffff\"}",
        "{\"evt.type\":\"mount\",\"evt.arg.type\":\"tmpfs\",\"evt.arg.domain\":\"none\",\"evt.arg.proto\":\"p\",\"evt.arg.cap\":\"c\"}",
        "{\"evt.type\":\"capable\",\"evt.arg.cap\":\"CAP_NET_RAW\"}", "{\"evt.type\":\"socket\",\"evt.arg.type\":526338}",
        "{\"evt.type\":\"x\",\"evt.time\":\"2026-11-22 12:00:00Z\"}", "{\"evt.type\":\"x\",\"evt.time\":\"17\"}",
        "{\"evt.type\":\"x\",\"evt.time\":true}", "{\"evt.type\":\"x\",\"evt.time\":null,\"evt.rawtime\":null}",
        "{\"evt.type\":null}", "{\"evt.type\":true}", "{\"evt.type\":\"\"}", "{\"proc.pid\":1}",
        "{\"evt.type\":\"x\",\"a\":true,\"b\":false,\"c\":null,\"d\":\"12\",\"e\":\"0x1F\",\"f\":\"-\",\"\":1}",
        "{\"evt.type\":\"x\",\"n\":9223372036854775807,\"m\":-9223372036854775807}",
        "{\"evt.type\":\"x\",\"n\":9223372036854775808}", "{\"evt.type\":\"x\",\"n\":-9223372036854775808}",
        "{\"evt.type\":\"x\",\"evt.rawtime\":-9223372036854775808}", "{\"evt.type\":\"x\",\"n\":00}",
        "{\"evt.type\":\"x\",\"n\":1.0}", "{\"evt.type\":\"x\",\"n\":1E5}", "{\"evt.type\":\"x\",\"n\":-}",
        "{\"evt.type\":\"x\",}", "{,\"evt.type\":\"x\"}", "{\"evt.type\":\"x\"}}", "{\"evt.type\":\"x\" \"a\":1}",
        "{\"evt.type\":\"x\",\"a\":truex}", "{\"evt.type\":\"x\",\"a\":nul}", "{\"evt.type\"x:\"x\"}",
        "{\"evt.type\":\"x\",\"a\":\"tab\there\"}", "{\"evt.type\":\"x\",\"a\":\"del\u007f\"}",
        "{\"evt.type\":\"x\",\"proc.name\":\"a\\\"b\"}", "{\"evt\\u002etype\":\"x\"}",
        "{\"evt.type\":\"x\",\"a\":{}}", "{\"evt.type\":\"x\",\"proc.pid\":[]}", "{\"evt.type\":\"x\",\"a\":\"caf\u00e9\"}",
        "{\"evt.type\":\"x\",\"a\":1}\u000b", "{\"evt.type\":\"x\",\"a\":1}\f", "[{\"evt.type\":\"x\"}]", "\"x\"", "7", "true",
        "{\"evt.type\":\"x\"", "{\"evt.type\":", "{\"evt.type\"", "{\"evt.", "{", "}");

    @Test
    void edgeCasesDecodeTheSame() {
        for (String s : EDGES) {
            same(LineMutator.withNewline(s.getBytes(StandardCharsets.UTF_8)));
            same((s + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void moreExtrasThanTheSlotHoldsDecodeTheSame() {
        StringBuilder sb = new StringBuilder("{\"evt.type\":\"x\"");
        for (int i = 0; i < Event.MAX_EXTRAS + 50; i++) {
            sb.append(",\"k").append(i).append("\":").append(i % 3 == 0 ? "\"v" + i + "\"" : i % 3 == 1 ? Integer.toString(-i) : "true");
        }
        byte[] line = LineMutator.withNewline(sb.append(",\"proc.pid\":5}").toString().getBytes(StandardCharsets.UTF_8));
        same(line);
        assertEquals(Event.MAX_EXTRAS, slot.extraCount());
        assertEquals(5, slot.getLong(dev.vigil.event.Field.PROC_PID));
    }

    @Test
    void aProducerInventingKeyNamesKeepsGettingTheSameResults() {
        // Past FlatLineDecoder.MAX_UNKNOWN_KEYS new names its key table starts over; names stay right.
        long general = decoder.generalLines();
        for (int i = 0; i < FlatLineDecoder.MAX_UNKNOWN_KEYS * 3; i++) {
            String s = "{\"evt.type\":\"x\",\"name" + i + "\":" + i + ",\"proc.pid\":" + i + ",\"fd.name\":\"f" + i + "\"}";
            same(LineMutator.withNewline(s.getBytes(StandardCharsets.UTF_8)));
            assertEquals("name" + i, slot.extraName(0));
            assertEquals("fd.name", slot.extraName(1));
        }
        assertEquals(general, decoder.generalLines(), "all on the fast path");
    }

    @Test
    void aByteOrderMarkIsTreatedTheSameOnEveryLine() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] line = LineMutator.withNewline(concat(bom, "{\"evt.type\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        RejectReason first = new JacksonEventDecoder().decode(line, 0, line.length, slot, RECEIVED);
        same(LineMutator.withNewline("{\"evt.type\":\"x\"}".getBytes(StandardCharsets.UTF_8)));
        RejectReason later = reference.decode(line, 0, line.length, slot, RECEIVED);
        assertEquals(first, later, "a fresh decoder and a used one agree");
        same(line);
    }

    @Test
    void theGeneralDecoderAloneAllocatesNothingPerValidLine() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        byte[] line = LineMutator.withNewline(TYPICAL.get(0).getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 100_000; i++) {
            reference.decode(line, 0, line.length, referenceSlot, RECEIVED);
        }
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        int n = 100_000;
        for (int i = 0; i < n; i++) {
            reference.decode(line, 0, line.length, referenceSlot, RECEIVED);
        }
        assertEquals(0, (mx.getThreadAllocatedBytes(tid) - before) / n, "bytes allocated per line");
    }

    // ---- corpora ----

    /** Every line of the sysdig recordings (.jsonl and .jsonl.gz), each with its newline. */
    static List<byte[]> scapCorpus() throws IOException {
        List<byte[]> lines = new ArrayList<>();
        if (!Files.isDirectory(SCAP_CORPUS)) {
            return lines;
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(SCAP_CORPUS)) {
            files = s.filter(p -> p.toString().endsWith(".jsonl") || p.toString().endsWith(".jsonl.gz")).sorted().toList();
        }
        for (Path f : files) {
            try (InputStream in = f.toString().endsWith(".gz")
                ? new GZIPInputStream(Files.newInputStream(f)) : Files.newInputStream(f)) {
                readLines(in, lines);
            }
        }
        return lines;
    }

    /** The rules' test events and every line of the line-ingest fuzzer's seeds. */
    static List<byte[]> otherCorpora() throws IOException {
        List<byte[]> lines = new ArrayList<>();
        if (Files.isRegularFile(RULE_EVENTS)) {
            try (InputStream in = Files.newInputStream(RULE_EVENTS)) {
                readLines(in, lines);
            }
        }
        if (Files.isDirectory(FUZZ_SEEDS)) {
            List<Path> files;
            try (Stream<Path> s = Files.walk(FUZZ_SEEDS)) {
                files = s.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                byte[] all = Files.readAllBytes(f);
                int from = 0;
                for (int i = 0; i < all.length; i++) {
                    if (all[i] == '\n') {
                        if (i > from) {
                            lines.add(java.util.Arrays.copyOfRange(all, from, i + 1));
                        }
                        from = i + 1;
                    }
                }
            }
        }
        return lines;
    }

    private static void readLines(InputStream in, List<byte[]> out) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String s; (s = r.readLine()) != null; ) {
            if (!s.isBlank()) {
                out.add(LineMutator.withNewline(s.getBytes(StandardCharsets.UTF_8)));
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** Bytes that would complete a valid event if a decoder read them by mistake. */
    static final byte[] PADDING = "\"x\",\"evt.type\":\"x\"}\n".getBytes(StandardCharsets.US_ASCII);

    /** The line with {@link #PADDING} before and after it. */
    static byte[] embedded(byte[] line) {
        byte[] b = new byte[PADDING.length * 2 + line.length];
        System.arraycopy(PADDING, 0, b, 0, PADDING.length);
        System.arraycopy(line, 0, b, PADDING.length, line.length);
        System.arraycopy(PADDING, 0, b, PADDING.length + line.length, PADDING.length);
        return b;
    }

    static String printable(byte[] line) {
        StringBuilder sb = new StringBuilder();
        for (byte x : line) {
            int v = x & 0xff;
            if (v >= 0x20 && v < 0x7f) {
                sb.append((char) v);
            } else {
                sb.append(String.format("\\x%02x", v));
            }
        }
        return sb.toString();
    }
}
