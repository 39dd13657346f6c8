package dev.vigil.runtime;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A test double of the Docker Engine API: a Netty HTTP server on a Unix socket that answers canned
 * bodies by path, never answers the paths told to hang, and streams {@code /events} chunks the test
 * pushes. For edge cases a real daemon will not produce on demand (oversized bodies, a stalled
 * daemon, an event split across chunks); the real daemons are in the ITs.
 *
 * <p>Thread-safe: the test thread configures and pushes, the server's event loop answers.
 */
final class FakeEngineServer implements AutoCloseable {
    private final EventLoopGroup group;
    private final Channel server;
    private final Map<String, FullReply> replies = new ConcurrentHashMap<>();
    private final List<String> hanging = new CopyOnWriteArrayList<>();
    /** Requests as received (path and decoded query), for assertions. */
    final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
    /** Open /events responses, to which {@link #pushEvent} writes. */
    private final BlockingQueue<Channel> eventStreams = new LinkedBlockingQueue<>();

    private record FullReply(int status, byte[] body) {
    }

    FakeEngineServer(Path socket) throws InterruptedException {
        group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        server = new ServerBootstrap().group(group).channel(EpollServerDomainSocketChannel.class)
            .childHandler(new ChannelInitializer<EpollDomainSocketChannel>() {
                @Override
                protected void initChannel(EpollDomainSocketChannel ch) {
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20), new Router());
                }
            })
            .bind(new DomainSocketAddress(socket.toString())).sync().channel();
    }

    FakeEngineServer reply(String path, int status, String body) {
        return reply(path, status, body.getBytes(StandardCharsets.UTF_8));
    }

    FakeEngineServer reply(String path, int status, byte[] body) {
        replies.put(path, new FullReply(status, body));
        return this;
    }

    /** Requests for {@code path} get no answer at all. */
    FakeEngineServer hang(String path) {
        hanging.add(path);
        return this;
    }

    /** Waits for the client's /events request and returns its connection. */
    Channel awaitEventStream() throws InterruptedException {
        Channel ch = eventStreams.poll(10, TimeUnit.SECONDS);
        if (ch == null) {
            throw new AssertionError("no /events request came");
        }
        return ch;
    }

    /** Writes {@code text} to an open /events response as one HTTP chunk. */
    static void pushChunk(Channel stream, String text) throws InterruptedException {
        stream.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(text, StandardCharsets.UTF_8))).sync();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            requests.add(uri.rawQuery().isEmpty() ? path
                : path + "?" + QueryStringDecoder.decodeComponent(uri.rawQuery()));
            if (hanging.contains(path)) {
                return;
            }
            if (path.equals("/events") && !replies.containsKey(path)) {
                HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                head.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
                ctx.writeAndFlush(head);
                eventStreams.add(ctx.channel());
                return;
            }
            FullReply r = replies.getOrDefault(path, new FullReply(404,
                "{\"message\":\"page not found\"}".getBytes(StandardCharsets.UTF_8)));
            FullHttpResponse resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(r.status()), Unpooled.wrappedBuffer(r.body()));
            resp.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            resp.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, r.body().length);
            ctx.writeAndFlush(resp);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close(); // the client hung up (a refused body, a timeout): expected here
        }
    }
}
