package dev.vigil.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.function.LongSupplier;

/**
 * Per connection: copies what is read into the connection's {@link LineFramer} and hands the lines
 * to the sink, telling the connection's {@link Activity} which lines the sink took. Owns and releases
 * every ByteBuf it receives. A partial line left when the producer disconnects is lost, and only that line.
 *
 * <p>The clock is read once per read (each ByteBuf is what one {@code recv} returned), not per line:
 * all the lines of a read arrived at the same moment, so each gets that moment as its receive time
 * and the in-agent latency of a line still runs from when its bytes reached the agent (a line further
 * down a read also counts the decoding of the lines before it, as it waited for that). A clock read
 * per line cost ~25 ns of the thread that reads the socket, for ~350 lines a read at full rate.
 *
 * <p>Threading: the channel's event loop. Not {@code @Sharable}: it holds the connection's framer and decoder.
 */
final class EventIngestHandler extends ChannelInboundHandlerAdapter {
    /**
     * Told, once per read that completed a line, whether any of those lines was taken by the sink as an
     * event, and the read's time ({@link System#nanoTime()}). Keep-alives and rejected lines count as lines.
     */
    interface Activity {
        void lines(boolean anyTaken, long nanoTime);
    }

    private final LineFramer framer;
    private final IngestMetrics metrics;
    private final Activity activity;
    private final LineSink tracked;
    /** {@link System#nanoTime()} but in tests. */
    private final LongSupplier nanoClock;
    /** Within one read: a line was completed, and one was taken. */
    private boolean sawLine;
    private boolean sawTaken;

    EventIngestHandler(LineFramer framer, LineSink sink, IngestMetrics metrics, Activity activity) {
        this(framer, sink, metrics, activity, System::nanoTime);
    }

    EventIngestHandler(LineFramer framer, LineSink sink, IngestMetrics metrics, Activity activity, LongSupplier nanoClock) {
        this.framer = framer;
        this.nanoClock = nanoClock;
        this.metrics = metrics;
        this.activity = activity;
        this.tracked = new LineSink() {
            @Override
            public boolean onLine(byte[] buf, int off, int len, long receiveNanos, EventDecoder decoder) {
                boolean taken = sink.onLine(buf, off, len, receiveNanos, decoder);
                sawLine = true;
                sawTaken |= taken;
                return taken;
            }

            @Override
            public void onTooLong() {
                sink.onTooLong();
                sawLine = true;
            }

            @Override
            public void onKeepAlive() {
                sink.onKeepAlive();
                sawLine = true;
            }

            @Override
            public void endOfBatch() {
                sink.endOfBatch();
            }
        };
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        metrics.connected();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        long received = nanoClock.getAsLong(); // the read's time, for all its lines (see the class comment)
        try {
            while (in.isReadable()) {
                int n = Math.min(in.readableBytes(), framer.writable());
                in.readBytes(framer.buffer(), framer.writeOffset(), n);
                framer.written(n, received, tracked);
            }
        } finally {
            in.release();
        }
        if (sawLine) {
            activity.lines(sawTaken, received);
            sawLine = false;
            sawTaken = false;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        framer.endOfInput(false, nanoClock.getAsLong(), tracked);
        metrics.disconnected();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A read error (the peer reset the connection): the connection ends, nothing else does.
        ctx.close();
    }
}
