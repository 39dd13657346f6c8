package dev.vigil.bench.load;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The ceiling this machine's Unix socket sets: a server that only reads (one thread, like the
 * agent's ingest loop, 128 KiB at a time, into a direct buffer as the agent's Netty loop does: a heap
 * buffer would cost a second copy), frames lines by counting newlines eight bytes at a time and does
 * nothing else. It serves the same counter names on {@code /metrics} as the agent (received = processed =
 * lines), so {@link LoadGenerator} drives it unchanged, with the same bytes.
 */
@Command(name = "socket-ceiling", mixinStandardHelpOptions = true,
    description = "Count lines arriving on a Unix socket: the transport's ceiling.")
public final class SocketCeiling implements Callable<Integer> {
    @Option(names = "--socket", required = true)
    Path socket;

    @Option(names = "--metrics-address", defaultValue = "127.0.0.1:9377")
    String metricsAddress;

    @Option(names = "--read-bytes", defaultValue = "131072", description = "Bytes per read (the agent's default).")
    int readBytes;

    /** Written by the reading thread only; read by the HTTP thread. */
    private volatile long lines;
    private volatile long bytes;

    @Override
    public Integer call() throws IOException {
        Files.deleteIfExists(socket);
        int colon = metricsAddress.lastIndexOf(':');
        HttpServer http = HttpServer.create(new InetSocketAddress(metricsAddress.substring(0, colon),
            Integer.parseInt(metricsAddress.substring(colon + 1))), 0);
        http.createContext("/metrics", ex -> {
            long n = lines;
            byte[] body = ("vigil_events_received_total " + n + "\nvigil_events_processed_total " + n
                + "\nvigil_events_dropped_total 0\nsocket_ceiling_bytes_total " + bytes + "\n")
                .getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(body);
            }
        });
        http.start();
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            server.bind(UnixDomainSocketAddress.of(socket));
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            System.err.println("socket-ceiling: listening on " + socket + ", metrics on http://" + metricsAddress + "/metrics");
            ByteBuffer buf = ByteBuffer.allocateDirect(readBytes).order(ByteOrder.LITTLE_ENDIAN);
            long n = 0;
            long b = 0;
            while (true) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey k = it.next();
                    it.remove();
                    if (k.isAcceptable()) {
                        SocketChannel ch = server.accept();
                        if (ch != null) {
                            ch.configureBlocking(false);
                            ch.register(selector, SelectionKey.OP_READ);
                        }
                    } else if (k.isReadable()) {
                        SocketChannel ch = (SocketChannel) k.channel();
                        int r;
                        while ((r = ch.read(buf.clear())) > 0) {
                            n += countNewlines(buf, r);
                            b += r;
                        }
                        lines = n;
                        bytes = b;
                        if (r < 0) {
                            k.cancel();
                            ch.close();
                        }
                    }
                }
            }
        }
    }

    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;
    private static final long LOW7 = 0x7F7F7F7F7F7F7F7FL;

    /** The newlines in {@code buf[0, n)}, a word at a time ({@code buf} little-endian). */
    static long countNewlines(ByteBuffer buf, int n) {
        long count = 0;
        int i = 0;
        for (int last = n - 8; i <= last; i += 8) {
            long x = buf.getLong(i) ^ NEWLINES; // a newline's lane becomes 0
            // exact per lane (no borrow between lanes): the high bit is set in each lane that was 0
            long zero = ~(((x & LOW7) + LOW7) | x | LOW7);
            count += Long.bitCount(zero);
        }
        for (; i < n; i++) {
            if (buf.get(i) == '\n') {
                count++;
            }
        }
        return count;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new SocketCeiling()).execute(args));
    }
}
