package dev.vigil.ingest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Per connection: copies what is read into the connection's {@link LineFramer} and hands the lines
 * to the sink. Owns and releases every ByteBuf it receives. A partial line left when the producer
 * disconnects is lost, and only that line.
 *
 * <p>Threading: the channel's event loop. Not {@code @Sharable}: it holds the connection's framer and decoder.
 */
final class EventIngestHandler extends ChannelInboundHandlerAdapter {
    private final LineFramer framer;
    private final LineSink sink;
    private final IngestMetrics metrics;

    EventIngestHandler(LineFramer framer, LineSink sink, IngestMetrics metrics) {
        this.framer = framer;
        this.sink = sink;
        this.metrics = metrics;
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
                framer.written(n, sink);
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        framer.endOfInput(false, sink);
        metrics.disconnected();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A read error (the peer reset the connection): the connection ends, nothing else does.
        ctx.close();
    }
}
