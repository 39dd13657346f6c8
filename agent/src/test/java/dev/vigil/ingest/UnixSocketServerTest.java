package dev.vigil.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.IngestConfig;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket server in-process, over real Unix sockets (epoll). */
class UnixSocketServerTest {
    @TempDir
    Path dir;

    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final AtomicInteger tooLong = new AtomicInteger();
    private final LineSink sink = new LineSink() {
        @Override
        public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
            String line = new String(buf, off, len - 1, StandardCharsets.UTF_8);
            lines.add(line);
            return !line.startsWith("garbage");
        }

        @Override
        public void onTooLong() {
            tooLong.incrementAndGet();
        }
    };
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final IngestMetrics metrics = new IngestMetrics(registry);
    private UnixSocketServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private Path socket() {
        return dir.resolve("vigil.sock");
    }

    private UnixSocketServer start(List<Integer> uids, int maxLineBytes) throws IOException {
        // A delivered line keeps a place for an hour here: which place is replaced never depends on timing.
        server = new UnixSocketServer(new IngestConfig(socket().toString(), uids, maxLineBytes, 4, 65536, 60), sink,
            metrics, 3_600_000_000_000L);
        server.start();
        return server;
    }

    private static SocketChannel connect(Path p) throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(p));
        return c;
    }

    private static void write(SocketChannel c, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @Test
    void socketFileIsMode0660AndLinesArriveFromSeveralProducers() throws Exception {
        start(List.of(), 65536);
        assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket())));
        try (SocketChannel a = connect(socket()); SocketChannel b = connect(socket())) {
            write(a, "a1\na");
            write(b, "b1\n");
            write(a, "2\n");
            await(() -> lines.size() == 3, "3 lines");
            assertEquals(2, metrics.connections());
        }
        assertTrue(lines.containsAll(List.of("a1", "a2", "b1")), lines.toString());
        await(() -> metrics.connections() == 0, "disconnects counted");
    }

    @Test
    void readsTakeTheirBuffersFromThePoolNotAFreshDirectBufferEach() throws Exception {
        // The agent caps direct memory at 64 MiB, which puts Netty's default allocator in its low-memory mode:
        // an unpooled, zeroed 128 KiB direct buffer for every read.
        long before = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().directArenas().stream()
            .mapToLong(a -> a.numAllocations()).sum();
        start(List.of(), 65536);
        try (SocketChannel c = connect(socket())) {
            for (int i = 0; i < 20; i++) {
                write(c, "line" + i + "\n");
                int n = i + 1;
                await(() -> lines.size() == n, n + " lines"); // one read each
            }
        }
        long after = io.netty.buffer.PooledByteBufAllocator.DEFAULT.metric().directArenas().stream()
            .mapToLong(a -> a.numAllocations()).sum();
        assertTrue(after - before >= 20, (after - before) + " pooled allocations for 20 reads");
    }

    @Test
    void aPeerWhoseUidIsNotAllowedIsRefusedAndCounted() throws Exception {
        start(List.of(4242), 65536); // the test runs as some other uid
        try (SocketChannel c = connect(socket())) {
            write(c, "{\"evt.type\":\"x\"}\n");
            ByteBuffer one = ByteBuffer.allocate(1);
            assertEquals(-1, c.read(one), "the server closes the connection");
        } catch (IOException expected) {
            // or resets it
        }
        await(() -> registry.get("vigil.connections.rejected").tag("reason", "uid_not_allowed").counter().count() == 1,
            "rejection counted");
        assertEquals(List.of(), lines, "no byte of a refused peer is decoded");
    }

    @Test
    void aHugeLineDoesNotStopTheConnection() throws Exception {
        start(List.of(), 65536);
        try (SocketChannel c = connect(socket())) {
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 10; i++) {
                ByteBuffer b = ByteBuffer.wrap(chunk);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            }
            write(c, "\nnext\n");
            await(() -> lines.size() == 1, "the next line");
        }
        assertEquals(List.of("next"), lines);
        assertEquals(1, tooLong.get());
    }

    @Test
    void aProducerThatDisconnectsMidLineLosesOnlyThatLine() throws Exception {
        start(List.of(), 65536);
        try (SocketChannel c = connect(socket())) {
            write(c, "whole\npart-of-a-li");
        }
        try (SocketChannel c = connect(socket())) {
            write(c, "after\n");
            await(() -> lines.size() == 2, "2 lines");
        }
        assertEquals(List.of("whole", "after"), lines);
    }

    @Test
    void whenEveryPlaceHoldsAProducerThatDeliversANewcomerIsRefusedAndCounted() throws Exception {
        start(List.of(), 65536); // cap of 4 in start()
        SocketChannel[] open = new SocketChannel[4];
        for (int i = 0; i < 4; i++) {
            open[i] = connect(socket());
            write(open[i], "p" + i + "\n");
        }
        await(() -> lines.size() == 4, "a line from each");
        try (SocketChannel fifth = connect(socket())) {
            write(fifth, "fifth\n");
            await(() -> registry.get("vigil.connections.rejected").tag("reason", "too_many").counter().count() == 1,
                "fifth refused");
            assertEquals(-1, fifth.read(ByteBuffer.allocate(1)), "closed by the agent");
        } catch (IOException reset) {
            // or reset
        }
        assertFalse(lines.contains("fifth"), "not a byte of a refused connection is decoded");
        for (SocketChannel c : open) {
            c.close();
        }
    }

    /** Issue 16, finding 4: on the code before it, the producer was refused ({@code too_many}). */
    @Test
    void idleAndGarbageConnectionsAtTheCapNeverKeepOutAProducerWithLines() throws Exception {
        start(List.of(), 65536); // cap of 4
        SocketChannel[] hostile = new SocketChannel[4];
        for (int i = 0; i < 4; i++) {
            hostile[i] = connect(socket());
            if (i >= 2) {
                write(hostile[i], "garbage " + i + "\n"); // rejected by the sink: not delivery
            } else if (i == 1) {
                write(hostile[i], "{\"evt.ty"); // a slow-loris' first bytes: never a line
            }
        }
        await(() -> metrics.connections() == 4 && lines.size() == 2, "4 connected, the garbage read");
        try (SocketChannel producer = connect(socket())) {
            write(producer, "real 1\nreal 2\n");
            await(() -> lines.contains("real 2"), "the producer's lines");
            assertEquals(1.0, registry.get("vigil.connections.rejected").tag("reason", "replaced_idle").counter().count());
            assertEquals(0.0, registry.get("vigil.connections.rejected").tag("reason", "too_many").counter().count());
            // The one replaced is the one idle longest that never delivered: the first, idle since connecting.
            assertEquals(-1, hostile[0].read(ByteBuffer.allocate(1)), "the first idle connection was closed");
        }
        for (SocketChannel c : hostile) {
            c.close();
        }
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        // A JDK server socket leaves its file behind when closed: what a crashed agent leaves.
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(socket()));
        }
        assertTrue(Files.exists(socket()));
        start(List.of(), 65536);
        try (SocketChannel c = connect(socket())) {
            write(c, "hello\n");
            await(() -> lines.size() == 1, "a line through the new socket");
        }
    }

    @Test
    void aLiveSocketIsNotStolen() throws Exception {
        try (ServerSocketChannel other = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            other.bind(UnixDomainSocketAddress.of(socket()));
            IOException e = assertThrows(IOException.class, () -> start(List.of(), 65536));
            assertTrue(e.getMessage().contains("another process is listening"), e.getMessage());
            server = null;
        }
    }

    @Test
    void aSocketDirectoryOthersCanWriteIsRefused() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> start(List.of(), 65536));
        assertTrue(e.getMessage().contains("others can write"), e.getMessage());
        server = null;
    }

    @Test
    void aFileThatIsNotASocketIsNotReplaced() throws Exception {
        Files.writeString(socket(), "precious");
        IOException e = assertThrows(IOException.class, () -> start(List.of(), 65536));
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("precious", Files.readString(socket()));
        server = null;
    }
}
