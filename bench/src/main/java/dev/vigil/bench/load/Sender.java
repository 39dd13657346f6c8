package dev.vigil.bench.load;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * One producer connection: writes line-aligned chunks of the {@link EventBlock} in large writes,
 * at the maximum rate (blocking when the agent pushes back) or paced to a fixed rate, until its
 * event quota or the deadline. Records each write's duration and, when paced, how late each chunk
 * left against its schedule.
 *
 * <p>Threading: runs on its own thread; read its figures after {@link Thread#join()}.
 */
final class Sender implements Runnable {
    private final Path socket;
    private final EventBlock block;
    private final int firstLine;
    private final int writeBytes;
    private final long quota;
    private final long deadlineNanos;
    private final double ratePerSecond;
    private final boolean retime;
    private final long baseShiftNanos;
    /** This connection's number among {@link #connections}: its loops' fresh pids are its own. */
    private final int index;
    private final int connections;

    final Histogram writeMicros = new Histogram(60_000_000L, 3);
    final Histogram lateMicros = new Histogram(60_000_000L, 3);
    long sentLines;
    long sentBytes;
    long firstByteNanos;
    long lastByteNanos;
    IOException failure;

    Sender(Path socket, EventBlock block, int firstLine, int writeBytes, long quota, long deadlineNanos,
           double ratePerSecond, boolean retime, long baseShiftNanos, int index, int connections) {
        this.socket = socket;
        this.block = block;
        this.firstLine = firstLine;
        this.writeBytes = writeBytes;
        this.quota = quota;
        this.deadlineNanos = deadlineNanos;
        this.ratePerSecond = ratePerSecond;
        this.retime = retime;
        this.baseShiftNanos = baseShiftNanos;
        this.index = index;
        this.connections = connections;
    }

    @Override
    public void run() {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            send(ch);
            ch.shutdownOutput();
        } catch (IOException e) {
            failure = e;
        }
    }

    private void send(SocketChannel ch) throws IOException {
        // Room for one over-long line beyond the chunk size (a chunk holds at least one line).
        ByteBuffer buf = ByteBuffer.allocateDirect(writeBytes + 128 * 1024);
        // Each loop over the block moves event time forward by the block's span (plus 1 ms).
        long loopShift = block.spanNanos() + 1_000_000L;
        int line = firstLine;
        long loop = 0;
        long start = System.nanoTime();
        firstByteNanos = start;
        while (sentLines < quota && System.nanoTime() < deadlineNanos) {
            int maxLines = (int) Math.min(Integer.MAX_VALUE, quota - sentLines);
            int end = block.chunkEnd(line, writeBytes, maxLines);
            buf.clear();
            // Loop L of connection i sends the block's processes as pids never sent before (a churny
            // block's; a block without fresh pids ignores it).
            long pidShift = (loop * connections + index) * (long) block.freshPids();
            block.copy(line, end, baseShiftNanos + loop * loopShift, retime, pidShift, buf);
            buf.flip();
            int n = end - line;
            if (ratePerSecond > 0) {
                long due = start + (long) (sentLines * 1e9 / ratePerSecond);
                long now = System.nanoTime();
                if (now < due) {
                    LockSupport.parkNanos(due - now);
                    now = System.nanoTime();
                }
                lateMicros.recordValue(Math.min(lateMicros.getHighestTrackableValue(), Math.max(0, now - due) / 1000));
            }
            long t = System.nanoTime();
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            long done = System.nanoTime();
            writeMicros.recordValue(Math.min(writeMicros.getHighestTrackableValue(), (done - t) / 1000));
            lastByteNanos = done;
            sentLines += n;
            sentBytes += buf.limit();
            line = end;
            if (line == block.lines()) {
                line = 0;
                loop++;
            }
        }
    }
}
