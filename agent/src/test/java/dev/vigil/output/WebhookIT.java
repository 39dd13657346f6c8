package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.vigil.alert.Alert;
import dev.vigil.alert.Priority;
import dev.vigil.alert.TestAlerts;
import dev.vigil.config.DeliveryConfig;
import dev.vigil.config.HttpOutput;
import dev.vigil.config.OutputConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The webhook sink and its delivery against a real HTTP server (the JDK's) on loopback. */
class WebhookIT {
    @TempDir
    Path tmp;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final ObjectMapper mapper = new ObjectMapper();
    private HttpServer server;
    private Outputs outputs;
    /** uuid → times accepted with 2xx. */
    private final ConcurrentHashMap<String, AtomicInteger> accepted = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();

    /** Starts the server; {@code answer} gives the status for the n-th request (from 0) and its alert. */
    private String serve(Function<Integer, Function<JsonNode, Integer>> answer) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", (HttpExchange ex) -> {
            int n = requests.getAndIncrement();
            JsonNode alert = mapper.readTree(ex.getRequestBody().readAllBytes());
            int status = answer.apply(n).apply(alert);
            if (status == 200) {
                accepted.computeIfAbsent(alert.get("uuid").asText(), u -> new AtomicInteger()).incrementAndGet();
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    private static HttpOutput webhook(String url, int connectMillis, int requestMillis, int maxBackoffMillis) {
        return webhook(url, connectMillis, requestMillis, maxBackoffMillis, DeliveryConfig.DEFAULT_QUEUE_CAPACITY,
            DeliveryConfig.DEFAULT_SPOOL_MAX_BYTES);
    }

    private static HttpOutput webhook(String url, int connectMillis, int requestMillis, int maxBackoffMillis,
                                      int queueCapacity, long spoolMaxBytes) {
        return HttpOutput.of(url).withTimeouts(connectMillis, requestMillis).withDelivery(DeliveryConfig.defaults()
            .withMaxBackoffMillis(maxBackoffMillis).withQueue(queueCapacity, spoolMaxBytes));
    }

    private Outputs outputs(OutputConfig c) throws IOException {
        outputs = Outputs.create(List.of(c.withName("webhook")),
            tmp.resolve("spool").toString(), registry, "test");
        return outputs;
    }

    @AfterEach
    void stop() {
        if (outputs != null) {
            outputs.close(Duration.ofSeconds(1));
        }
        if (server != null) {
            server.stop(0);
        }
    }

    private double counter(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private List<Alert> send(Outputs d, int n) {
        List<Alert> sent = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Alert a = TestAlerts.numbered(i);
            sent.add(a);
            d.emit(a);
        }
        return sent;
    }

    private void assertEachAcceptedOnce(List<Alert> sent) {
        Set<String> want = new HashSet<>();
        for (Alert a : sent) {
            want.add(a.uuid());
        }
        assertEquals(want, accepted.keySet());
        for (AtomicInteger c : accepted.values()) {
            assertEquals(1, c.get());
        }
    }

    @Test
    void serverErrorsAreRetriedUntilAccepted() throws IOException {
        // Nothing here should time out (10 s): an accepted answer slower than the request timeout is
        // sent again and accepted twice, which 2 s allowed on a loaded machine.
        String url = serve(n -> a -> n < 6 ? (n % 2 == 0 ? 500 : 503) : n < 8 ? (n == 6 ? 429 : 408) : 200);
        Outputs d = outputs(webhook(url, 1000, 10_000, 200));
        List<Alert> sent = send(d, 30);
        assertTrue(d.flush(Duration.ofSeconds(30)));
        assertEachAcceptedOnce(sent);
        assertEquals(30, counter("vigil.output.sent", "output", "webhook"));
        assertTrue(counter("vigil.output.retries", "output", "webhook") >= 8);
        assertEquals(0, counter("vigil.output.failed", "output", "webhook", "reason", "permanent"));
    }

    @Test
    void timeoutsAreRetried() throws IOException {
        // The first two requests get no answer until the test ends: the client gives up on them and
        // retries. The others are answered at once, and must be answered within the request timeout:
        // one answered 200 after the client gave up would be accepted twice. 300 ms was too short for
        // that on a loaded machine; 5 s is not, and the unanswered requests do not depend on it.
        CountDownLatch unanswered = new CountDownLatch(1);
        String url = serve(n -> a -> {
            if (n < 2) {
                try {
                    unanswered.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return 503;
            }
            return 200;
        });
        try {
            Outputs d = outputs(webhook(url, 1000, 5000, 200));
            List<Alert> sent = send(d, 10);
            assertTrue(d.flush(Duration.ofSeconds(30)));
            assertEachAcceptedOnce(sent);
            assertTrue(counter("vigil.output.retries", "output", "webhook") >= 2);
        } finally {
            unanswered.countDown();
        }
    }

    @Test
    void permanentClientErrorIsCountedLoggedAndNotRetried() throws IOException {
        ListAppender<ILoggingEvent> logs = new ListAppender<>();
        logs.start();
        Logger logger = (Logger) LoggerFactory.getLogger(SinkDelivery.class.getName() + ".webhook");
        logger.addAppender(logs);
        try {
            AtomicInteger badRequests = new AtomicInteger();
            String url = serve(n -> a -> {
                if (a.get("rule").asText().equals("bad")) {
                    badRequests.incrementAndGet();
                    return 400;
                }
                return 200;
            });
            Outputs d = outputs(HttpOutput.of(url));
            List<Alert> sent = send(d, 5);
            d.emit(TestAlerts.alert("bad", Priority.ERROR, "c", 1, 0));
            sent.addAll(send(d, 5).subList(0, 0));
            assertTrue(d.flush(Duration.ofSeconds(30)));
            assertEquals(1, badRequests.get());
            assertEquals(1, counter("vigil.output.failed", "output", "webhook", "reason", "permanent"));
            assertTrue(logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("HTTP 400")
                && e.getFormattedMessage().contains("bad")), "a log line names the rule and the status");
        } finally {
            logger.detachAppender(logs);
        }
    }

    @Test
    void queueBoundHoldsAndSpoolBoundOverflowIsCountedFailed() throws IOException {
        CountDownLatch release = new CountDownLatch(1);
        String url = serve(n -> a -> {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return 200;
        });
        Outputs d = outputs(webhook(url, 1000, 60_000, 200, 10, 64 * 1024));
        SinkDelivery delivery = d.deliveries().get(0);
        int n = 2000;
        long t0 = System.nanoTime();
        List<Alert> sent = send(d, n);
        long emitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(delivery.queued() <= 10, "memory queue bound");
        double spoolFull = counter("vigil.output.failed", "output", "webhook", "reason", "spool_full");
        assertTrue(spoolFull > 0, "the spool bound was hit");
        assertTrue(delivery.spooled() > 0);
        // Every alert is somewhere: in flight (one batch at most), queued, spooled or counted failed.
        long accounted = delivery.queued() + delivery.spooled() + (long) spoolFull;
        assertTrue(accounted >= n - SinkDelivery.BATCH && accounted <= n, "accounted " + accounted);
        release.countDown();
        assertTrue(d.flush(Duration.ofSeconds(60)));
        // Nothing more was lost after the destination answered again.
        assertEquals(spoolFull, counter("vigil.output.failed", "output", "webhook", "reason", "spool_full"));
        assertEquals(n - (long) spoolFull, accepted.size());
        assertTrue(emitMillis < 10_000, "emit never waits for the destination: " + emitMillis + " ms");
        assertTrue(sent.size() == n);
    }
}
