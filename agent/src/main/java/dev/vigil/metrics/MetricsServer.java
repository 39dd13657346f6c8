package dev.vigil.metrics;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint: {@code /metrics} (Prometheus text, or OpenMetrics when the scraper's Accept
 * asks for it), {@code /healthz} and {@code /readyz} (200 "ok", or 503 with the reason).
 *
 * <p>Hostile clients (issue 16): at most {@link #MAX_CONNECTIONS} connections, none waiting for a
 * request longer than {@link #IDLE_TIMEOUT_SECONDS} ({@link ConnectionGuard}); an initial line or
 * headers beyond {@link #MAX_INITIAL_LINE_BYTES} / {@link #MAX_HEADER_BYTES}, or anything else the
 * codec cannot decode, is answered 400 and the connection closed.
 *
 * <p>Threading: its own event loop thread, {@code vigil-http}, so a slow scrape never delays ingest,
 * and the event socket has its own ({@code vigil-ingest}): the HTTP side can neither take its
 * thread nor, bounded as it is, its descriptors.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    static final int MAX_CONNECTIONS = 256;
    static final int IDLE_TIMEOUT_SECONDS = 10;
    static final int MAX_INITIAL_LINE_BYTES = 4096;
    static final int MAX_HEADER_BYTES = 8192;

    private final PrometheusMeterRegistry registry;
    private final HealthCheck health;
    private final ConnectionGuard guard;
    private EventLoopGroup group;
    private Channel channel;

    public MetricsServer(PrometheusMeterRegistry registry, HealthCheck health) {
        this(registry, health, MAX_CONNECTIONS, TimeUnit.SECONDS.toNanos(IDLE_TIMEOUT_SECONDS));
    }

    MetricsServer(PrometheusMeterRegistry registry, HealthCheck health, int maxConnections, long idleTimeoutNanos) {
        this.registry = registry;
        this.health = health;
        this.guard = new ConnectionGuard(maxConnections, idleTimeoutNanos, registry);
    }

    /** One connection's handlers: codec (bounded), aggregator, guard, the endpoints. */
    void initChannel(Channel ch) {
        ch.pipeline().addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE_BYTES, MAX_HEADER_BYTES, 8192))
            .addLast("aggregator", new HttpObjectAggregator(8192))
            .addLast("guard", guard)
            .addLast("endpoints", new Handler());
    }

    /** Listens on HOST:PORT (port 0 picks a free one; see {@link #port()}). */
    public void start(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port = Integer.parseInt(address.substring(colon + 1));
        InetSocketAddress bindTo = host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
        group = new MultiThreadIoEventLoopGroup(1, r -> {
            Thread t = new Thread(r, "vigil-http");
            t.setDaemon(true);
            return t;
        }, NioIoHandler.newFactory());
        ServerBootstrap b = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    MetricsServer.this.initChannel(ch);
                }
            });
        try {
            channel = b.bind(bindTo).sync().channel();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while binding " + address, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + address + " for metrics: " + e.getMessage(), e);
        }
        // The bound address, not the configured one: with port 0 this is how the port is found.
        InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
        String shown = bound.getAddress().getHostAddress();
        log.info("metrics on http://{}:{}/metrics", shown.contains(":") ? "[" + shown + "]" : shown, bound.getPort());
    }

    public int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void close() {
        if (channel != null) {
            channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        }
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) throws IOException {
            FullHttpResponse resp;
            if (req.decoderResult().isFailure()) {
                // Too long a line or header, or not HTTP: the decoder has given up on this connection.
                resp = text(HttpResponseStatus.BAD_REQUEST, "bad request\n");
                HttpUtil.setContentLength(resp, resp.content().readableBytes());
                resp.headers().set(HttpHeaderNames.CONNECTION, "close");
                ctx.writeAndFlush(resp).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            String path = new QueryStringDecoder(req.uri()).path();
            if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
                resp = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n");
            } else if (path.equals("/metrics")) {
                String accept = req.headers().get(HttpHeaderNames.ACCEPT, "");
                String type = accept.contains("application/openmetrics-text") ? OPENMETRICS : PROMETHEUS_TEXT;
                ByteBuf body = ctx.alloc().buffer(16 * 1024);
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    registry.scrape(out, type);
                } catch (IOException | RuntimeException e) {
                    body.release();
                    throw e;
                }
                resp = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                resp.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
            } else if (path.equals("/healthz")) {
                resp = status(health.unhealthyReason());
            } else if (path.equals("/readyz")) {
                resp = status(health.notReadyReason());
            } else {
                resp = text(HttpResponseStatus.NOT_FOUND, "not found: try /metrics, /healthz, /readyz\n");
            }
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setContentLength(resp, resp.content().readableBytes());
            HttpUtil.setKeepAlive(resp, keepAlive);
            if (req.method() == HttpMethod.HEAD) {
                resp.content().clear();
            }
            var f = ctx.writeAndFlush(resp);
            if (!keepAlive) {
                f.addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("metrics connection error", cause);
            ctx.close();
        }
    }

    private static FullHttpResponse status(String problem) {
        return problem == null ? text(HttpResponseStatus.OK, "ok\n")
            : text(HttpResponseStatus.SERVICE_UNAVAILABLE, problem + "\n");
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
            Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }
}
