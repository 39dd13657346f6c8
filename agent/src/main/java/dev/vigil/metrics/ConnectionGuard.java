package dev.vigil.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Bounds what the HTTP port can hold: at most {@code cap} connections, and none waiting without a
 * request for longer than the idle timeout. A connection is <em>waiting</em> from its accept, and
 * again from each response written, until its next complete request (a slow-loris that trickles a
 * header is waiting throughout). At the cap a newcomer takes the place of the connection waiting
 * longest ({@code replaced_idle}), so a fresh probe of {@code /healthz} is answered however many idle
 * connections an attacker holds; only when every place has a request in flight is it closed at once
 * ({@code too_many}). The idle deadline also closes a connection whose answer could not be written
 * within it (a client that never reads). The descriptors the port holds never exceed the cap plus the one just accepted.
 *
 * <p>Threading: {@code @Sharable} across the connections of one single-threaded event loop, whose
 * state it is; it sits after the aggregator, so a request it sees is complete.
 */
@ChannelHandler.Sharable
final class ConnectionGuard extends ChannelDuplexHandler {
    private static final AttributeKey<ScheduledFuture<?>> DEADLINE = AttributeKey.valueOf("vigil.http.deadline");

    private final int cap;
    private final long idleTimeoutNanos;
    private final Set<Channel> open = new HashSet<>();
    /** Waiting connections, the one waiting longest first. */
    private final LinkedHashSet<Channel> waiting = new LinkedHashSet<>();
    private final Counter tooMany;
    private final Counter replaced;
    private final Counter idle;

    ConnectionGuard(int cap, long idleTimeoutNanos, MeterRegistry registry) {
        this.cap = cap;
        this.idleTimeoutNanos = idleTimeoutNanos;
        tooMany = counter(registry, "too_many");
        replaced = counter(registry, "replaced_idle");
        idle = counter(registry, "idle_timeout");
    }

    private static Counter counter(MeterRegistry registry, String reason) {
        return Counter.builder("vigil.metrics.connections.rejected").tag("reason", reason)
            .description("Connections to the HTTP port closed by the agent, by reason").register(registry);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Channel ch = ctx.channel();
        if (open.size() >= cap) {
            Channel longest = waiting.isEmpty() ? null : waiting.iterator().next();
            if (longest == null) {
                tooMany.increment();
                ctx.close();
                return;
            }
            forget(longest);
            replaced.increment();
            longest.close();
        }
        open.add(ch);
        startWaiting(ch);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest) {
            // In flight: not to be replaced, but the deadline runs on until the answer is written, so
            // a client that asks and never reads its answer does not keep its place either.
            waiting.remove(ctx.channel());
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        Channel ch = ctx.channel();
        ctx.write(msg, promise).addListener(f -> {
            if (ch.isActive() && open.contains(ch)) {
                startWaiting(ch); // answered: waiting for the next request on this keep-alive connection
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        forget(ctx.channel());
        ctx.fireChannelInactive();
    }

    private void startWaiting(Channel ch) {
        waiting.remove(ch);
        waiting.add(ch);
        cancelDeadline(ch);
        ch.attr(DEADLINE).set(ch.eventLoop().schedule(() -> {
            if (open.contains(ch)) {
                forget(ch);
                idle.increment();
                ch.close();
            }
        }, idleTimeoutNanos, TimeUnit.NANOSECONDS));
    }

    private void forget(Channel ch) {
        open.remove(ch);
        waiting.remove(ch);
        cancelDeadline(ch);
    }

    private static void cancelDeadline(Channel ch) {
        ScheduledFuture<?> f = ch.attr(DEADLINE).getAndSet(null);
        if (f != null) {
            f.cancel(false);
        }
    }

    /** Connections held now (for tests). */
    int open() {
        return open.size();
    }
}
