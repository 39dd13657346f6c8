package dev.vigil.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Per connection: copies what is read into the connection's {@link LineFramer} and hands the lines
 * to the sink, telling the connection's {@link Activity} which lines the sink took. Owns and releases
 * every ByteBuf it receives. A partial line left when the producer disconnects is lost, and only that line.
 *
 * <p>Threading: the channel's event loop. Not {@code @Sharable}: it holds the connection's framer and decoder.
 */
final class EventIngestHandler extends ChannelInboundHandlerAdapter {
    /**
     * Told, once per read that completed a line (one clock read per read, not per line), whether any of
     * those lines was taken by the sink as an event. Keep-alives and rejected lines count as lines.
     */
    interface Activity {
        void lines(boolean anyTaken);
    }

    private final LineFramer framer;
    private final IngestMetrics metrics;
    private final Activity activity;
    private final LineSink tracked;
    /** Within one read: a line was completed, and one was taken. */
    private boolean sawLine;
    private boolean sawTaken;

    EventIngestHandler(LineFramer framer, LineSink sink, IngestMetrics metrics, Activity activity) {
        this.framer = framer;
        this.metrics = metrics;
        this.activity = activity;
        this.tracked = new LineSink() {
            @Override
            public boolean onLine(byte[] buf, int off, int len, EventDecoder decoder) {
                boolean taken = sink.onLine(buf, off, len, decoder);
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
        try {
            while (in.isReadable()) {
                int n = Math.min(in.readableBytes(), framer.writable());
                in.readBytes(framer.buffer(), framer.writeOffset(), n);
                framer.written(n, tracked);
            }
        } finally {
            in.release();
        }
        if (sawLine) {
            activity.lines(sawTaken);
            sawLine = false;
            sawTaken = false;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        framer.endOfInput(false, tracked);
        metrics.disconnected();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A read error (the peer reset the connection): the connection ends, nothing else does.
        ctx.close();
    }
}
