package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The HTTP port's handlers in {@link EmbeddedChannel}s, no socket, time advanced by hand: bounded
 * request lines and headers (400, closed), the connection cap (the connection waiting longest makes
 * room), the idle deadline. Issue 16, finding 3: on the code before it, a 1 MB header was served
 * and nothing bounded the connections.
 */
class MetricsServerHandlersTest {
    private static final int CAP = 3;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HealthCheck healthy = new HealthCheck() {
        @Override
        public String unhealthyReason() {
            return null;
        }

        @Override
        public String notReadyReason() {
            return null;
        }
    };
    private final MetricsServer server = new MetricsServer(registry, healthy, CAP, TimeUnit.SECONDS.toNanos(10));

    private EmbeddedChannel connect() {
        EmbeddedChannel ch = new EmbeddedChannel(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {
                server.initChannel(c);
            }
        });
        ch.freezeTime();
        return ch;
    }

    private static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** The raw response bytes written so far, as text (every buffer released). */
    private static String response(EmbeddedChannel ch) {
        StringBuilder sb = new StringBuilder();
        Object o;
        while ((o = ch.readOutbound()) != null) {
            ByteBuf b = (ByteBuf) o;
            sb.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        return sb.toString();
    }

    private double rejected(String reason) {
        return registry.get("vigil.metrics.connections.rejected").tag("reason", reason).counter().count();
    }

    @Test
    void aRequestIsServed() {
        EmbeddedChannel ch = connect();
        ch.writeInbound(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
        String r = response(ch);
        assertTrue(r.startsWith("HTTP/1.1 200 OK"), r);
        assertTrue(r.endsWith("ok\n"), r);
        assertTrue(ch.isActive(), "keep-alive");
        ch.finishAndReleaseAll();
    }

    @Test
    void aHugeHeaderIsAnswered400AndTheConnectionClosed() {
        EmbeddedChannel ch = connect();
        String huge = "X-Pad: " + "a".repeat(1 << 20) + "\r\n";
        ch.writeInbound(ascii("GET /healthz HTTP/1.1\r\nHost: x\r\n" + huge + "\r\n"));
        String r = response(ch);
        assertTrue(r.startsWith("HTTP/1.1 400 Bad Request"), r.substring(0, Math.min(80, r.length())));
        assertFalse(ch.isActive(), "closed after the 400");
        assertFalse(ch.finishAndReleaseAll());
    }

    @Test
    void aHugeRequestLineAndGarbageAreAnswered400() {
        EmbeddedChannel longLine = connect();
        longLine.writeInbound(ascii("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\n\r\n"));
        assertTrue(response(longLine).startsWith("HTTP/1.1 400"));
        assertFalse(longLine.isActive());
        longLine.finishAndReleaseAll();

        EmbeddedChannel garbage = connect();
        garbage.writeInbound(ascii("\u0001\u0002 not http at all \r\n\r\n"));
        assertTrue(response(garbage).startsWith("HTTP/1.1 400"));
        assertFalse(garbage.isActive());
        garbage.finishAndReleaseAll();
    }

    @Test
    void atTheCapTheConnectionWaitingLongestMakesRoomForAFreshProbe() {
        EmbeddedChannel[] idle = new EmbeddedChannel[CAP];
        for (int i = 0; i < CAP; i++) {
            idle[i] = connect();
        }
        idle[1].writeInbound(ascii("GET /h")); // a slow-loris' first bytes: still waiting for a request
        idle[0].writeInbound(ascii("GET /healthz HTTP/1.1\r\n\r\n")); // answered: waits again, from now
        response(idle[0]);
        EmbeddedChannel probe = connect();
        assertFalse(idle[1].isActive(), "the one waiting longest (connected second, never a whole request) made room");
        assertTrue(idle[0].isActive() && idle[2].isActive());
        assertEquals(1.0, rejected("replaced_idle"));
        probe.writeInbound(ascii("GET /healthz HTTP/1.1\r\n\r\n"));
        assertTrue(response(probe).startsWith("HTTP/1.1 200"));
        for (EmbeddedChannel ch : idle) {
            ch.finishAndReleaseAll();
        }
        probe.finishAndReleaseAll();
    }

    @Test
    void aConnectionWaitingForTheIdleTimeoutIsClosedAndARequestRestartsTheWait() {
        EmbeddedChannel quiet = connect();
        EmbeddedChannel keptAlive = connect();
        quiet.advanceTimeBy(9, TimeUnit.SECONDS);
        keptAlive.advanceTimeBy(9, TimeUnit.SECONDS);
        keptAlive.writeInbound(ascii("GET /readyz HTTP/1.1\r\n\r\n"));
        assertTrue(response(keptAlive).startsWith("HTTP/1.1 200"));
        quiet.advanceTimeBy(1, TimeUnit.SECONDS);
        keptAlive.advanceTimeBy(1, TimeUnit.SECONDS);
        quiet.runScheduledPendingTasks();
        keptAlive.runScheduledPendingTasks();
        assertFalse(quiet.isActive(), "10 s without a request");
        assertTrue(keptAlive.isActive(), "1 s since its last answer");
        assertEquals(1.0, rejected("idle_timeout"));
        keptAlive.advanceTimeBy(9, TimeUnit.SECONDS);
        keptAlive.runScheduledPendingTasks();
        assertFalse(keptAlive.isActive());
        assertEquals(2.0, rejected("idle_timeout"));
        assertNull(quiet.readOutbound(), "closed without a word");
    }
}
