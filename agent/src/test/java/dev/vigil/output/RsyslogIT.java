package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.TestAlerts;
import dev.vigil.config.OutputConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Syslog delivery against Debian's rsyslogd, started by the test on a free loopback port
 * ({@link Rsyslog}). The outage lasts {@code -Dvigil.it.outageSeconds} (default 30; CI may use 10).
 * Needs the packages rsyslog and rsyslog-gnutls (and openssl); skipped without them unless
 * VIGIL_REQUIRE_INTEGRATION=1.
 */
class RsyslogIT {
    static final int N = 10_000;
    static final int OUTAGE_SECONDS = Integer.getInteger("vigil.it.outageSeconds", 30);

    @TempDir
    Path tmp;
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final AlertJson json = new AlertJson();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    static void requireOrSkip(boolean available, String what) {
        if (!available && "1".equals(System.getenv("VIGIL_REQUIRE_INTEGRATION"))) {
            throw new AssertionError(what + " is missing and VIGIL_REQUIRE_INTEGRATION=1");
        }
        Assumptions.assumeTrue(available, what + " is missing: skipped");
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    private Rsyslog rsyslog(boolean tls) throws IOException, InterruptedException {
        requireOrSkip(tls ? Rsyslog.tlsAvailable() : Rsyslog.available(),
            tls ? "rsyslogd with gtls (apt-get install rsyslog rsyslog-gnutls openssl)" : "rsyslogd (apt-get install rsyslog)");
        Rsyslog r = new Rsyslog(tmp.resolve(tls ? "rsyslog-tls" : "rsyslog"), tls);
        cleanup.add(r);
        r.start();
        return r;
    }

    private Outputs outputs(String spec) throws IOException {
        Outputs d = Outputs.create(List.of(OutputSpecs.parse(spec).withName("siem")),
            tmp.resolve("spool").toString(), registry, "test");
        cleanup.add(() -> d.close(Duration.ofSeconds(2)));
        return d;
    }

    /** uuid → times received; fails on a line that is not a whole alert. */
    private Map<String, Integer> received(Rsyslog r) throws IOException {
        Map<String, Integer> m = new HashMap<>();
        for (String line : r.lines()) {
            Alert a = json.read(line.getBytes(StandardCharsets.UTF_8));
            m.merge(a.uuid(), 1, Integer::sum);
        }
        return m;
    }

    private static void await(BooleanSupplier c, Duration max, String what) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    private boolean has(Rsyslog r, Set<String> uuids) {
        try {
            return received(r).keySet().containsAll(uuids);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private int lineCount(Rsyslog r) {
        try {
            return r.lines().size();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private void deliversEachExactlyOnce(Rsyslog r, String spec) throws Exception {
        Outputs d = outputs(spec);
        Set<String> sent = new HashSet<>();
        for (int i = 0; i < N; i++) {
            Alert a = TestAlerts.numbered(i);
            sent.add(a.uuid());
            d.emit(a);
        }
        assertTrue(d.flush(Duration.ofMinutes(2)), "delivered within 2 minutes");
        await(() -> lineCount(r) >= N, Duration.ofMinutes(1), N + " lines in rsyslog's file");
        Map<String, Integer> got = received(r);
        assertEquals(sent, got.keySet());
        assertTrue(got.values().stream().allMatch(c -> c == 1), "each alert exactly once");
        assertEquals(N, lineCount(r));
        assertEquals(N, registry.get("vigil.output.sent").tag("output", "siem").counter().count());
    }

    @Test
    void tcpDeliversTenThousandAlertsEachExactlyOnce() throws Exception {
        Rsyslog r = rsyslog(false);
        deliversEachExactlyOnce(r, "syslog+tcp://127.0.0.1:" + r.port);
    }

    @Test
    void tlsDeliversTenThousandAlertsEachExactlyOnce() throws Exception {
        Rsyslog r = rsyslog(true);
        deliversEachExactlyOnce(r, "syslog+tls://127.0.0.1:" + r.port + "?ca=" + r.caFile);
    }

    @Test
    void tlsRefusesAnUntrustedCertificateByDefault() throws Exception {
        Rsyslog r = rsyslog(true);
        Outputs d = outputs("syslog+tls://127.0.0.1:" + r.port);
        d.emit(TestAlerts.numbered(1));
        SinkDelivery s = d.deliveries().get(0);
        await(() -> s.isDown() && s.spooled() == 1, Duration.ofSeconds(20), "the alert kept in the spool");
        assertEquals(0, lineCount(r));
    }

    @Test
    void everyAlertArrivesAcrossAnRsyslogOutage() throws Exception {
        Rsyslog r = rsyslog(false);
        Outputs d = outputs("syslog+tcp://127.0.0.1:" + r.port);
        Set<String> sent = java.util.concurrent.ConcurrentHashMap.newKeySet();
        // Emit evenly over the outage plus a few seconds, so that alerts flow before, during and after it.
        long pauseMicros = TimeUnit.SECONDS.toMicros(OUTAGE_SECONDS + 4) / (N / 100);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread emitter = new Thread(() -> {
            try {
                for (int i = 0; i < N; i++) {
                    Alert a = TestAlerts.numbered(i);
                    sent.add(a.uuid());
                    d.emit(a);
                    if (i % 100 == 99) {
                        TimeUnit.MICROSECONDS.sleep(pauseMicros);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "emitter");
        emitter.start();
        await(() -> lineCount(r) >= 500, Duration.ofSeconds(30), "the first alerts");
        r.stop();
        int before = lineCount(r);
        TimeUnit.SECONDS.sleep(OUTAGE_SECONDS);
        assertTrue(d.deliveries().get(0).spooled() > 0, "alerts spooled during the outage");
        r.start();
        emitter.join();
        assertEquals(null, failure.get());
        assertTrue(d.flush(Duration.ofMinutes(2)));
        await(() -> has(r, sent), Duration.ofMinutes(1), "every alert in rsyslog's file");
        assertEquals(N, sent.size());
        assertTrue(before < N, "the outage was mid-stream");
        System.out.printf("outage %ds: %d lines before the stop, %d lines at the end for %d alerts%n",
            OUTAGE_SECONDS, before, lineCount(r), N);
    }

    @Test
    void everyAlertArrivesAfterKillNineWhileRsyslogIsDown() throws Exception {
        Rsyslog r = rsyslog(false);
        String spec = "syslog+tcp://127.0.0.1:" + r.port;
        Path spool = tmp.resolve("sender-spool");
        Process first = sender(spool, spec, N, 20);
        StatusReader status = new StatusReader(first);
        await(() -> lineCount(r) >= 500, Duration.ofSeconds(60), "the first alerts");
        r.stop();
        // Everything emitted, nothing left in memory, the sink knows rsyslog is gone: all is on disk.
        // One status line is one snapshot, taken after the last emit when it says emitted=true.
        await(() -> {
            SenderStatus s = status.now;
            return s.emitted() && s.pending() == 0 && s.down() && s.spooled() > 0;
        }, Duration.ofMinutes(2), "the sender to spool everything");
        long spooled = status.now.spooled();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(first.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
        first.waitFor(30, TimeUnit.SECONDS);
        assertEquals(137, first.exitValue());
        r.start();
        Process second = sender(spool, spec, 0, 0);
        StatusReader status2 = new StatusReader(second);
        assertTrue(second.waitFor(5, TimeUnit.MINUTES), "second sender finished");
        assertEquals(0, second.exitValue(), "second sender delivered its spool: " + status2.last);
        Set<String> all = new HashSet<>();
        for (int i = 0; i < N; i++) {
            all.add(SpoolSender.uuid(i));
        }
        await(() -> has(r, all), Duration.ofMinutes(1), "every alert in rsyslog's file");
        assertTrue(spooled > 0);
        System.out.printf("kill -9: %d alerts spooled at the kill, %d lines at the end for %d alerts%n", spooled,
            lineCount(r), N);
    }

    private Process sender(Path spool, String spec, int count, int pace) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), SpoolSender.class.getName(),
            spool.toString(), spec, Integer.toString(count), Integer.toString(pace))
            .redirectError(tmp.resolve("sender-" + count + ".err").toFile()).start();
        cleanup.add(() -> {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        });
        return p;
    }

    /** One status line of a sender. */
    record SenderStatus(boolean emitted, long pending, long spooled, boolean down) {
    }

    /** Follows a sender's status lines; {@link #now} is the last one, whole. */
    static final class StatusReader {
        volatile SenderStatus now = new SenderStatus(false, -1, -1, false);
        volatile String last = "";

        StatusReader(Process p) {
            Thread t = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        last = line;
                        if (line.startsWith("status ")) {
                            boolean emitted = false;
                            boolean down = false;
                            long pending = -1;
                            long spooled = -1;
                            for (String kv : line.substring(7).split(" ")) {
                                String[] f = kv.split("=");
                                switch (f[0]) {
                                    case "emitted" -> emitted = Boolean.parseBoolean(f[1]);
                                    case "pending" -> pending = Long.parseLong(f[1]);
                                    case "spooled" -> spooled = Long.parseLong(f[1]);
                                    case "down" -> down = Boolean.parseBoolean(f[1]);
                                    default -> { }
                                }
                            }
                            now = new SenderStatus(emitted, pending, spooled, down);
                        }
                    }
                } catch (IOException ignored) {
                    // the process was killed
                }
            }, "sender-status");
            t.setDaemon(true);
            t.start();
        }
    }
}
