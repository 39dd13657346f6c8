package dev.vigil.runtime;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.json.JsonObjectDecoder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * HTTP/1.1 GETs over a Unix domain socket (Netty epoll), one connection per request, for APIs such as
 * Docker's and Podman's. Two shapes: {@link #get} answers a whole response whose body is capped, and
 * {@link #stream} hands each JSON object of a long-lived chunked response to the caller.
 *
 * <p>Bounds: a request's answer (headers and, for {@link #get}, the whole body) must come within the
 * timeout, else {@link IOException}; a body over {@code maxResponseBytes} and a streamed object over
 * {@code maxObjectBytes} end the call with {@link IOException}; at most {@value #STREAM_QUEUE} streamed
 * objects wait for the caller, a slower caller ends the stream (the caller re-lists).
 *
 * <p>Threading: thread-safe. {@link #get} and {@link #stream} block the calling thread; one I/O thread
 * ({@code vigil-runtime-io-<name>}, daemon) does the socket work and never blocks. {@link #close} may be
 * called from any thread: it ends every open stream and fails every waiting request.
 */
final class UnixSocketHttpClient implements AutoCloseable {
    /** How many decoded objects of a stream may wait for the caller before the stream is ended. */
    static final int STREAM_QUEUE = 1024;
    /** Marks the end of a stream in its queue; never handed to the caller. */
    private static final byte[] END = new byte[0];

    private final Path socket;
    private final long timeoutNanos;
    private final int maxResponseBytes;
    private final int maxObjectBytes;
    private final EventLoopGroup group;
    /** Connections open now, closed by {@link #close()}. */
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    /** A response: status code and body (empty when there was none). */
    record Reply(int status, byte[] body) {
        boolean ok() {
            return status >= 200 && status < 300;
        }
    }

    UnixSocketHttpClient(String name, Path socket, Duration timeout, int maxResponseBytes, int maxObjectBytes) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be > 0");
        }
        this.socket = socket;
        this.timeoutNanos = timeout.toNanos();
        this.maxResponseBytes = maxResponseBytes;
        this.maxObjectBytes = maxObjectBytes;
        this.group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "vigil-runtime-io-" + name);
            t.setDaemon(true);
            return t;
        }, EpollIoHandler.newFactory());
    }

    Path socket() {
        return socket;
    }

    /** GETs {@code target} (path and query) and returns the whole response; any status is returned. */
    Reply get(String target) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        CompletableFuture<Reply> reply = new CompletableFuture<>();
        Channel ch = connect(deadline, new ChannelInitializer<EpollDomainSocketChannel>() {
            @Override
            protected void initChannel(EpollDomainSocketChannel c) {
                c.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(maxResponseBytes),
                    new WholeResponseHandler(reply));
            }
        });
        try {
            ch.writeAndFlush(request(target));
            return await(reply, deadline, target);
        } finally {
            ch.close();
        }
    }

    /**
     * GETs {@code target}, a chunked stream of JSON objects, and hands each whole object to
     * {@code onObject} on the calling thread, until {@link #close()} (returns normally) or an error,
     * the server ending the response included (throws). {@code onStarted} runs once, on the
     * calling thread, when the server has answered 200 (the subscription is live).
     */
    void stream(String target, Runnable onStarted, Consumer<byte[]> onObject) throws IOException {
        long deadline = System.nanoTime() + timeoutNanos;
        CompletableFuture<Integer> status = new CompletableFuture<>();
        StreamHandler handler = new StreamHandler(status);
        Channel ch = connect(deadline, new ChannelInitializer<EpollDomainSocketChannel>() {
            @Override
            protected void initChannel(EpollDomainSocketChannel c) {
                c.pipeline().addLast(new HttpClientCodec(), new StatusThenBody(status),
                    new JsonObjectDecoder(maxObjectBytes), handler);
            }
        });
        try {
            ch.writeAndFlush(request(target));
            int code = await(status, deadline, target);
            if (code != 200) {
                throw new IOException("GET " + target + " on " + socket + ": HTTP " + code);
            }
            onStarted.run();
            while (true) {
                byte[] object;
                try {
                    object = handler.objects.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while following " + target, e);
                }
                if (object == END) {
                    Throwable failure = handler.failure;
                    if (failure != null && !closed) {
                        throw new IOException("stream " + target + " on " + socket + " failed: " + failure.getMessage(),
                            failure);
                    }
                    return;
                }
                onObject.accept(object);
            }
        } finally {
            ch.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Channel ch : open) {
            ch.close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    private Channel connect(long deadline, ChannelInitializer<EpollDomainSocketChannel> init) throws IOException {
        if (closed) {
            throw new IOException("client for " + socket + " is closed");
        }
        // A missing socket file fails at once with a clear message, rather than as a connect error.
        if (!Files.exists(socket)) {
            throw new IOException("no socket at " + socket);
        }
        int connectMillis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        ChannelFuture f = new Bootstrap().group(group).channel(EpollDomainSocketChannel.class)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
            .handler(init)
            .connect(new DomainSocketAddress(socket.toString()));
        Channel ch = f.channel();
        open.add(ch);
        ch.closeFuture().addListener(x -> open.remove(ch));
        try {
            if (!f.await(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                ch.close();
                throw new IOException("connect to " + socket + " timed out");
            }
        } catch (InterruptedException e) {
            ch.close();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while connecting to " + socket, e);
        }
        if (!f.isSuccess()) {
            throw new IOException("cannot connect to " + socket + ": " + f.cause().getMessage(), f.cause());
        }
        if (closed) { // close() ran while connecting and missed this channel
            ch.close();
            throw new IOException("client for " + socket + " is closed");
        }
        return ch;
    }

    private <T> T await(CompletableFuture<T> answer, long deadline, String target) throws IOException {
        try {
            return answer.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("GET " + target + " on " + socket + " timed out after "
                + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw new IOException("GET " + target + " on " + socket + " failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during GET " + target, e);
        }
    }

    private static FullHttpRequest request(String target) {
        FullHttpRequest req = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, target);
        // The daemons ignore the host, but HTTP/1.1 requires the header.
        req.headers().set(HttpHeaderNames.HOST, "localhost");
        req.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return req;
    }

    /** Completes the reply with the aggregated response; fails it on an error or an early close. */
    private static final class WholeResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<Reply> reply;

        WholeResponseHandler(CompletableFuture<Reply> reply) {
            this.reply = reply;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
            reply.complete(new Reply(msg.status().code(), ByteBufUtil.getBytes(msg.content())));
            ctx.close();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            reply.completeExceptionally(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            reply.completeExceptionally(new IOException("connection closed before a whole response"));
        }
    }

    /**
     * Completes {@code status} from the response head, then passes only body bytes on (a buffer the next
     * handler owns and releases); a non-200 response's body is dropped and the connection closed.
     */
    private static final class StatusThenBody extends SimpleChannelInboundHandler<Object> {
        private final CompletableFuture<Integer> status;

        StatusThenBody(CompletableFuture<Integer> status) {
            this.status = status;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpResponse head) {
                int code = head.status().code();
                status.complete(code);
                if (code != 200) {
                    ctx.close();
                    return;
                }
            }
            if (msg instanceof HttpContent content && content.content().isReadable()) {
                ctx.fireChannelRead(content.content().retain());
            }
        }
    }

    /** Copies each decoded JSON object into the queue; ends the queue once on error or close. */
    private final class StreamHandler extends SimpleChannelInboundHandler<ByteBuf> {
        /** Single producer (the I/O thread), single consumer (the streaming caller); one slot for END. */
        final BlockingQueue<byte[]> objects = new LinkedBlockingQueue<>(STREAM_QUEUE + 1);
        private final CompletableFuture<Integer> status;
        /** Written by the I/O thread before END is queued; read by the caller after it took END. */
        volatile Throwable failure;
        private boolean ended;

        StreamHandler(CompletableFuture<Integer> status) {
            this.status = status;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
            if (ended) {
                return;
            }
            if (objects.size() >= STREAM_QUEUE) {
                end(new IOException("the caller fell " + STREAM_QUEUE + " objects behind"));
                ctx.close();
                return;
            }
            objects.add(ByteBufUtil.getBytes(msg));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            status.completeExceptionally(cause);
            end(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            status.completeExceptionally(new IOException("connection closed before the response"));
            end(new IOException("the server ended the stream"));
        }

        private void end(Throwable cause) {
            if (!ended) {
                ended = true;
                failure = cause;
                objects.add(END);
            }
        }
    }
}
