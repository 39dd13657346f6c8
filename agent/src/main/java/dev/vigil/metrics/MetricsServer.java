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
 * <p>Threading: its own event loop thread, {@code vigil-http}, so a slow scrape never delays ingest.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    static final String OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final HealthCheck health;
    private EventLoopGroup group;
    private Channel channel;

    public MetricsServer(PrometheusMeterRegistry registry, HealthCheck health) {
        this.registry = registry;
        this.health = health;
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
                    ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), new Handler());
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
