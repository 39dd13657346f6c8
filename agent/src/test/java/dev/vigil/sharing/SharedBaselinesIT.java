package dev.vigil.sharing;

import static dev.vigil.testing.AgentProcess.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.output.KafkaBroker;
import dev.vigil.rules.BaselineStore;
import dev.vigil.testing.AgentProcess;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Shared baselines end to end: real agents ({@code java -jar vigil.jar run}, each its own JVM, state
 * directory and socket) on one real broker (KRaft, kafka_2.13 from Maven Central, its own JVM).
 */
class SharedBaselinesIT {
    private static final String RULE = "Image program";
    private static final String RULES = """
        - rule: Image program
          desc: the programs each image runs, learned
          condition: evt.type = execve and container.id != host
          output: Image program (image=%container.image.repository proc=%proc.name)
          priority: NOTICE
          tags: [shared_test]
          baseline:
            key: [container.image.repository, proc.name]
            learn: LEARN
        """;

    @TempDir
    Path dir;
    private KafkaBroker broker;
    private final List<AgentProcess> agents = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AgentProcess a : agents) {
            a.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    /** An agent named {@code node} with its own directory; {@code shared}: the sharing keys (empty: none). */
    private AgentProcess agent(String node, String learn, String shared) throws Exception {
        Path home = Files.createDirectories(dir.resolve(node));
        Path sockDir = Files.createDirectories(home.resolve("run"));
        Files.setPosixFilePermissions(sockDir, PosixFilePermissions.fromString("rwx------"));
        Files.createDirectories(home.resolve("proc"));
        Files.createDirectories(home.resolve("cgroup"));
        Path rules = home.resolve("rules.yaml");
        Files.writeString(rules, RULES.replace("LEARN", learn));
        Path cfg = home.resolve("config.yaml");
        Files.writeString(cfg, "hostname: " + node + "\n"
            + "ingest:\n  socket: " + sockDir.resolve("vigil.sock") + "\n"
            + "state:\n  stateDir: " + home.resolve("state") + "\n  procRoot: " + home.resolve("proc")
            + "\n  cgroupRoot: " + home.resolve("cgroup") + "\n"
            + "runtime:\n  sources: []\n"
            + "alerts:\n  identityWaitMillis: 0\n  dedupPeriodSeconds: 0\n"
            + "rules:\n  includeDefault: false\n  watch: false\n  paths: [" + rules + "]\n" + shared);
        AgentProcess a = AgentProcess.start(home, List.of(), List.of("--config", cfg.toString()));
        agents.add(a);
        a.awaitReady(Duration.ofSeconds(90));
        return a;
    }

    private String shared(String extra) {
        return "  sharedBaselines:\n    url: kafka://" + broker.bootstrap() + "/vigil-baselines\n"
            + "    connectTimeoutMillis: 2000\n    requestTimeoutMillis: 3000\n" + extra;
    }

    private static Path socket(Path home) {
        return home.resolve("run/vigil.sock");
    }

    /** A container's exec (pids no /proc of the test has, so the wire's identity stands). */
    private static String exec(int pid, String image, String proc) {
        return "{\"evt.type\":\"execve\",\"proc.pid\":" + (4_000_000 + pid) + ",\"proc.name\":\"" + proc
            + "\",\"container.id\":\"c0ffee" + String.format("%06x", image.hashCode() & 0xffffff)
            + "\",\"container.image.repository\":\"" + image + "\"}\n";
    }

    /** Execs of programs p{from} … p{to - 1} in one image: one tuple each. */
    private static String programs(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int i = from; i < to; i++) {
            b.append(exec(i, "shop/web", "p" + i));
        }
        return b.toString();
    }

    /** An event no rule matches: it ends a batch, so the pipeline thread takes in what was received. */
    private static final String NUDGE = "{\"evt.type\":\"close\",\"proc.pid\":1}\n";

    private void send(String node, String lines) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket(dir.resolve(node))));
            ByteBuffer b = ByteBuffer.wrap(lines.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                c.write(b);
            }
        }
    }

    /** Waits for {@code ok} on the agent's metrics, nudging its pipeline (when {@code node} is given) meanwhile. */
    private String await(AgentProcess a, String node, Predicate<String> ok, Duration timeout, String what)
        throws Exception {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        String m = "";
        while (System.nanoTime() < deadline) {
            if (node != null) {
                send(node, NUDGE);
            }
            m = a.metrics();
            if (ok.test(m)) {
                System.out.printf("SharedBaselinesIT: %s after %.1f s%n", what, (System.nanoTime() - start) / 1e9);
                return m;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " not reached within " + timeout + ":\n" + grep(m) + "\n" + a.logs());
    }

    private static String grep(String metrics) {
        StringBuilder b = new StringBuilder();
        for (String l : metrics.split("\n")) {
            if (l.startsWith("vigil_baseline")) {
                b.append(l).append('\n');
            }
        }
        return b.toString();
    }

    private static double m(String metrics, String name, String labels) {
        return sample(metrics, name, labels);
    }

    /** The rule's alerts on the agent's stdout, as "image proc". */
    private static List<String> alerts(AgentProcess a) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(a.stdoutFile())) {
            if (l.contains("\"rule\":\"" + RULE + "\"")) {
                java.util.regex.Matcher x = java.util.regex.Pattern.compile("image=(\\S+) proc=([^)\\s]+)").matcher(l);
                assertTrue(x.find(), l);
                out.add(x.group(1) + " " + x.group(2));
            }
        }
        return out;
    }

    private static void awaitAlert(AgentProcess a) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (alerts(a).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no alert:\n" + a.logs());
            }
            Thread.sleep(100);
        }
    }

    @Test
    void aNodeThatJoinsLaterKnowsWhatTheClusterLearnedAndAlertsOnlyOnTheNew() throws Exception {
        broker = KafkaBroker.started(dir.resolve("kafka"));
        String learn = "20s";
        AgentProcess a = agent("node-a", learn, shared(""));
        AgentProcess b = agent("node-b", learn, shared(""));
        // In the cluster's period (begun by A, taken by B from the topic): learned, published, no alert.
        send("node-a", exec(1, "shop/web", "nginx") + exec(2, "shop/web", "sh"));
        send("node-b", exec(3, "shop/cache", "redis-server"));
        await(a, null, x -> m(x, "vigil_baselines_shared_published_total", "") >= 3, Duration.ofSeconds(30),
            "A's two tuples and the period start published");
        await(b, null, x -> m(x, "vigil_baselines_shared_published_total", "") >= 1, Duration.ofSeconds(30),
            "B's tuple published");
        String mb = b.metrics();
        assertEquals(1, m(mb, "vigil_baselines_shared_received_total", "result=\"window\""),
            "B took the cluster's period from the topic:\n" + grep(mb));

        // After the period, C starts: it reads the topic and is not in a learning period of its own.
        long aStarted = a.process().info().startInstant().orElseThrow().toEpochMilli();
        long wait = aStarted + 25_000 - System.currentTimeMillis();
        if (wait > 0) {
            Thread.sleep(wait);
        }
        AgentProcess c = agent("node-c", learn, shared(""));
        String mc = c.metrics();
        assertEquals(3, m(mc, "vigil_baselines_shared_received_total", "result=\"learned\""), grep(mc));
        assertEquals(1, m(mc, "vigil_baselines_shared_load_complete", ""), grep(mc));
        send("node-c", exec(10, "shop/web", "nginx") + exec(11, "shop/web", "sh") + exec(12, "shop/cache", "redis-server")
            + exec(13, "shop/web", "curl"));
        await(c, "node-c", x -> m(x, "vigil_baselines_shared_published_total", "") >= 1, Duration.ofSeconds(30),
            "C's new tuple published");
        assertEquals(List.of("shop/web curl"), alerts(c), "C alerts on the tuple none saw, and on nothing the cluster learned");

        // What C alerted on first is now known everywhere: A receives it and stays silent on it.
        await(a, "node-a", x -> m(x, "vigil_baselines_shared_received_total", "result=\"learned\"") >= 2,
            Duration.ofSeconds(30), "A received B's and C's tuples");
        send("node-a", exec(20, "shop/web", "curl") + exec(21, "shop/web", "wget"));
        await(a, "node-a", x -> m(x, "vigil_baselines_shared_published_total", "") >= 4, Duration.ofSeconds(30),
            "A's alerted tuple published");
        assertEquals(List.of("shop/web wget"), alerts(a));
        assertEquals(List.of(), alerts(b));
    }

    @Test
    void aBrokerRestartAndKillNineLoseNothingLearnedAndCountNothingTwice() throws Exception {
        broker = KafkaBroker.started(dir.resolve("kafka"));
        String learn = "1h";
        String sharedA = shared("");
        AgentProcess a = agent("node-a", learn, sharedA);
        send("node-a", programs(0, 100));
        await(a, null, x -> m(x, "vigil_baselines_shared_published_total", "") >= 101, Duration.ofSeconds(30),
            "100 tuples and the period start published");

        // The broker restarts mid-run: what A learns meanwhile is spooled, then published.
        broker.stop();
        send("node-a", programs(100, 150));
        await(a, null, x -> m(x, "vigil_baselines_shared_spooled", "") == 50, Duration.ofSeconds(30),
            "50 tuples spooled while the broker is away");
        // Whether the batch in flight fails (a retry, counted) or waits for the broker's return depends on the
        // client's timing (under load a batch once waited over 60 s): BaselinePublisherTest counts the retries.
        broker.start();
        await(a, null, x -> m(x, "vigil_baselines_shared_published_total", "") >= 151
                && m(x, "vigil_baselines_shared_spooled", "") == 0, Duration.ofSeconds(90),
            "the spooled tuples published once the broker is back");

        // Away again, and A is killed (-9) with 50 tuples not yet published.
        broker.stop();
        send("node-a", programs(150, 200));
        // Spooling does not wait for the batch in flight (its delivery timeout is ~8 s here): seconds at most.
        await(a, null, x -> m(x, "vigil_baselines_shared_spooled", "") == 50, Duration.ofSeconds(30),
            "50 more spooled");
        a.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        broker.start();
        AgentProcess a2 = agent("node-a", learn, sharedA);
        await(a2, null, x -> m(x, "vigil_baselines_shared_spooled", "") == 0
            && m(x, "vigil_baselines_shared_published_total", "") >= 50, Duration.ofSeconds(90),
            "the restarted agent publishes what its predecessor spooled");

        // A new node reads all 200, each once.
        AgentProcess c = agent("node-c", learn, shared(""));
        String mc = await(c, "node-c", x -> m(x, "vigil_baseline_tuples", "") == 200, Duration.ofSeconds(30),
            "C holds the 200 tuples");
        assertEquals(200, m(mc, "vigil_baselines_shared_received_total", "result=\"learned\""), grep(mc));
        assertEquals(0, m(mc, "vigil_baselines_shared_rejected_total", "reason=\"bad_record\""), grep(mc));
    }

    @Test
    void aFleetSeedsTheTopicFromAFileAndExportsItBack() throws Exception {
        broker = KafkaBroker.started(dir.resolve("kafka"));
        Path cfg = dir.resolve("cli.yaml");
        Files.writeString(cfg, "hostname: old-cluster\nrules:\n" + shared(""));
        Path seed = dir.resolve("seed.json");
        Files.writeString(seed, "{\"rules\":{\"" + RULE + "\":{\"shop/web\":{\"tuples\":["
            + "{\"tuple\":\"shop/web\\u001fnginx\",\"at\":5,\"where\":\"node-9\"},\"shop/web\\u001fsh\"]}}}}");
        java.io.StringWriter out = new java.io.StringWriter();
        picocli.CommandLine cli = new picocli.CommandLine(new dev.vigil.cli.BaselinesCommand())
            .setOut(new java.io.PrintWriter(out)).setErr(new java.io.PrintWriter(out));
        assertEquals(0, cli.execute("import", "--config", cfg.toString(), "--to-topic", seed.toString()), out.toString());
        assertTrue(out.toString().contains("published 2 tuples"), out.toString());
        Path exported = dir.resolve("exported.json");
        assertEquals(0, cli.execute("export", "--config", cfg.toString(), "--from-topic", exported.toString()),
            out.toString());
        BaselineStore back = new BaselineStore(null, 10, 10, new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        assertEquals(2, back.importFrom(exported, "import:x"));
        assertEquals(List.of("shop/web\u001fnginx old-cluster", "shop/web\u001fsh old-cluster"),
            back.rows().stream().map(r -> r.tuple() + " " + r.where()).sorted().toList(), "the importing host published them");
        // Without rules.sharedBaselines the topic options are a usage error.
        Files.writeString(cfg, "hostname: x\n");
        assertEquals(2, cli.execute("export", "--config", cfg.toString(), "--from-topic", exported.toString()));
    }

    @Test
    void withNoBrokerANodeLearnsAloneAsWithoutSharing() throws Exception {
        int dead = AgentProcess.freePort(); // nothing listens there
        String none = "  sharedBaselines:\n    url: kafka://127.0.0.1:" + dead + "/vigil-baselines\n"
            + "    connectTimeoutMillis: 500\n    requestTimeoutMillis: 1000\n    loadTimeoutMillis: 2000\n";
        AgentProcess alone = agent("node-x", "4s", "");
        AgentProcess cut = agent("node-y", "4s", none);
        String learned = exec(1, "shop/web", "nginx") + exec(2, "shop/web", "sh");
        send("node-x", learned);
        send("node-y", learned);
        Thread.sleep(6_000); // past both nodes' own periods (begun by these first events): wall time drives them
        String later = exec(3, "shop/web", "nginx") + exec(4, "shop/web", "curl");
        send("node-x", later);
        send("node-y", later);
        awaitAlert(alone);
        awaitAlert(cut);
        String my = await(cut, "node-y", x -> m(x, "vigil_baselines_shared_spooled", "") == 3, Duration.ofSeconds(20),
            "2 learned + 1 alerted, spooled");
        assertEquals(alerts(alone), alerts(cut), "the same alerts with sharing configured and Kafka away");
        assertEquals(List.of("shop/web curl"), alerts(cut));
        assertEquals(0, m(my, "vigil_baselines_shared_load_complete", ""), grep(my));
    }
}
