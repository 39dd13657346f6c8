package dev.vigil.sharing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.config.SharedBaselinesConfig;
import dev.vigil.output.KafkaBroker;
import dev.vigil.output.KafkaClients;
import dev.vigil.rules.BaselineStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared-baselines topic at fleet scale, simulated with the real client against the real broker:
 * {@code nodes} agents each publish every tuple of {@code images} images × {@code tuples} tuples (the
 * worst case: every node learned every tuple in the cluster's period before any record reached it), then a
 * joining node loads the topic into a store through {@link SharedBaselines}, before and after compaction.
 * Prints the topic's size on disk, the joiner's load time and the publish cost per tuple. CI runs 5 nodes;
 * the figures in the README come from
 * {@code -Dvigil.sim.nodes=1000} (docs/shared-baselines.md has the command).
 */
class SharedBaselinesScaleIT {
    private static final String TOPIC = "vigil-baselines";
    private static final String RULE = "Image program";

    @TempDir
    Path dir;

    @Test
    void aJoiningNodeLoadsTheFleetsTopic() throws Exception {
        int nodes = Integer.getInteger("vigil.sim.nodes", 5);
        int images = Integer.getInteger("vigil.sim.images", 200);
        int tuples = Integer.getInteger("vigil.sim.tuples", 50);
        try (KafkaBroker broker = KafkaBroker.started(dir.resolve("kafka"))) {
            createTopic(broker);
            long records = (long) nodes * images * tuples;
            Publish p = publish(broker, nodes, images, tuples);
            long before = topicBytes(broker);
            Load first = join(broker, "joiner-1", images * tuples);
            Raw raw = rawRead(broker);
            releaseCompaction(broker);
            long after = awaitCompaction(broker, before);
            Load second = join(broker, "joiner-2", images * tuples);
            System.out.printf("shared baselines at %d nodes x %d images x %d tuples: %,d records published in %.1f s "
                    + "(%.1f us CPU and %.0f B of value a tuple, one producer); topic %,d B before compaction, joiner "
                    + "loads it in %.2f s (%,.0f records); %,d B after compaction, joiner loads it in %.2f s (%,.0f records)%n",
                nodes, images, tuples, records, p.seconds, p.cpuMicrosPerRecord, p.valueBytesPerRecord, before,
                first.seconds, first.records, after, second.seconds, second.records);
            AgentPath agent = agentPublish(broker, Integer.getInteger("vigil.sim.agentTuples", 100_000));
            System.out.printf("one agent's publish path (queue, disk spool, idempotent producer, acknowledged): %,d tuples "
                + "in %.1f s, %.1f us CPU a tuple%n", agent.tuples, agent.seconds, agent.cpuMicrosPerTuple);
            System.out.printf("the same topic read by a bare consumer: %.2f s for %,d records, of which %.2f s decoding "
                + "and applying them to a store%n", raw.seconds, raw.records, raw.applySeconds);
        }
    }

    private static void createTopic(KafkaBroker broker) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.admin(List.of(broker.bootstrap()), Map.of(), null, 30_000, "sim"))) {
            // As docs/shared-baselines.md creates it, with segments small enough for the cleaner to act in a test.
            admin.createTopics(List.of(new NewTopic(TOPIC, Optional.of(3), Optional.empty()).configs(Map.of(
                "cleanup.policy", "compact", "segment.bytes", Integer.toString(1024 * 1024),
                "min.cleanable.dirty.ratio", "0.1",
                // Held back until the first joiner has read it: the worst case, the whole fleet's records.
                "min.compaction.lag.ms", Long.toString(Duration.ofHours(1).toMillis()))))).all().get();
        }
    }

    private record AgentPath(long tuples, double seconds, double cpuMicrosPerTuple) {
    }

    /** {@code n} tuples through the agent's own publisher, as the store hands them over; until all are acknowledged. */
    private AgentPath agentPublish(KafkaBroker broker, int n) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SharingMetrics metrics = new SharingMetrics(registry);
        var props = KafkaClients.producer(List.of(broker.bootstrap()), Map.of(), null, 30_000, 30_000, "agent");
        var spool = new dev.vigil.output.DiskSpool(dir.resolve("agent-spool"), 1L << 32, 16L * 1024 * 1024);
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        BaselinePublisher p = new BaselinePublisher(new KafkaProducer<>(props), TOPIC, spool, n, metrics).start();
        try {
            long at = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < n; i++) {
                String scope = "registry.example/agent/service-" + (i / 50);
                if (!p.offer(new SharedRecord.Tuple(RULE, scope, scope + '\u001f' + "/usr/bin/program-" + (i % 50),
                    "node-agent", at + i, false))) {
                    throw new AssertionError("queue full");
                }
            }
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (metrics.publishedCount() < n && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertEquals(n, metrics.publishedCount(), "published");
            return new AgentPath(n, (System.nanoTime() - t0) / 1e9, (os.getProcessCpuTime() - cpu0) / 1e3 / n);
        } finally {
            p.close(Duration.ofSeconds(5));
        }
    }

    /** Lets the cleaner compact what the fleet published. */
    private static void releaseCompaction(KafkaBroker broker) throws Exception {
        try (Admin admin = Admin.create(KafkaClients.admin(List.of(broker.bootstrap()), Map.of(), null, 30_000, "sim"))) {
            var topic = new org.apache.kafka.common.config.ConfigResource(
                org.apache.kafka.common.config.ConfigResource.Type.TOPIC, TOPIC);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(new org.apache.kafka.clients.admin.AlterConfigOp(
                new org.apache.kafka.clients.admin.ConfigEntry("min.compaction.lag.ms", "0"),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    private record Publish(double seconds, double cpuMicrosPerRecord, double valueBytesPerRecord) {
    }

    private static Publish publish(KafkaBroker broker, int nodes, int images, int tuples) throws Exception {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        AtomicLong failed = new AtomicLong();
        long valueBytes = 0;
        long n = 0;
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.producer(List.of(broker.bootstrap()),
            Map.of(), null, 30_000, 30_000, "sim"))) {
            long at = System.currentTimeMillis() * 1_000_000L;
            for (int node = 0; node < nodes; node++) {
                for (int i = 0; i < images; i++) {
                    String scope = "registry.example/team-" + (i % 20) + "/service-" + i;
                    for (int t = 0; t < tuples; t++) {
                        SharedRecord.Tuple r = new SharedRecord.Tuple(RULE, scope, scope + '\u001f' + "/usr/bin/program-" + t,
                            "node-" + node, at + t, false);
                        byte[] v = SharedRecord.encode(r);
                        valueBytes += v.length;
                        n++;
                        producer.send(new ProducerRecord<>(TOPIC, r.key(), v), (md, e) -> {
                            if (e != null) {
                                failed.incrementAndGet();
                            }
                        });
                    }
                }
            }
            producer.flush();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long cpu = os.getProcessCpuTime() - cpu0;
        assertEquals(0, failed.get(), "records the broker refused");
        return new Publish(seconds, cpu / 1e3 / n, (double) valueBytes / n);
    }

    private record Load(double seconds, double records) {
    }

    /** A new node: its store empty, it reads the whole topic through the agent's own code. */
    private Load join(KafkaBroker broker, String node, int expectedTuples) throws IOException {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BaselineStore store = new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES,
            registry);
        SharedBaselinesConfig c = new SharedBaselinesConfig("kafka://" + broker.bootstrap() + "/" + TOPIC, null, null,
            null, 30_000, 600_000, null, null);
        try (SharedBaselines s = SharedBaselines.start(c, store, node, Files.createDirectories(dir.resolve(node)),
            Clock.systemUTC(), registry)) {
            assertEquals(1.0, registry.get("vigil.baselines.shared.load.complete").gauge().value(), "read to the end");
            assertEquals(expectedTuples, store.rows().size(), "each tuple once, whatever number of nodes published it");
            double records = registry.get("vigil.baselines.shared.received").tag("result", "learned").counter().count()
                + registry.get("vigil.baselines.shared.received").tag("result", "known").counter().count();
            return new Load(registry.get("vigil.baselines.shared.load.duration").gauge().value(), records);
        }
    }

    /** The topic's segment files' bytes; listed again when the cleaner replaces a file while they are summed. */
    private record Raw(double seconds, long records, double applySeconds) {
    }

    /** The baseline for a join: the same client settings, no agent code but the decode and apply, timed apart. */
    private static Raw rawRead(KafkaBroker broker) {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        SharingMetrics metrics = new SharingMetrics(registry);
        BaselineStore store = new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES,
            registry);
        var props = KafkaClients.assignedConsumer(List.of(broker.bootstrap()), Map.of(), null, 30_000, "raw");
        props.put("max.poll.records", Integer.toString(BaselineFollower.MAX_POLL_RECORDS));
        long t0 = System.nanoTime();
        long apply = 0;
        long n = 0;
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            List<org.apache.kafka.common.TopicPartition> parts = consumer.partitionsFor(TOPIC).stream()
                .map(p -> new org.apache.kafka.common.TopicPartition(TOPIC, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> end = new java.util.HashMap<>(consumer.endOffsets(parts));
            while (!end.isEmpty()) {
                var batch = consumer.poll(Duration.ofMillis(500));
                long a0 = System.nanoTime();
                for (var r : batch) {
                    try {
                        SharedBaselines.apply(SharedRecord.decode(r.key(), r.value()), store, metrics, 0);
                    } catch (SharedRecord.RejectedException e) {
                        throw new AssertionError(e);
                    }
                    n++;
                }
                apply += System.nanoTime() - a0;
                end.entrySet().removeIf(e -> consumer.position(e.getKey()) >= e.getValue());
            }
        }
        return new Raw((System.nanoTime() - t0) / 1e9, n, apply / 1e9);
    }

    private static long topicBytes(KafkaBroker broker) throws IOException {
        for (int attempt = 0; ; attempt++) {
            try (Stream<Path> parts = Files.list(broker.dir.resolve("data"))) {
                long sum = 0;
                for (Path p : parts.filter(d -> d.getFileName().toString().startsWith(TOPIC + "-")).toList()) {
                    try (Stream<Path> files = Files.list(p)) {
                        sum += files.filter(f -> f.getFileName().toString().endsWith(".log"))
                            .mapToLong(f -> f.toFile().length()).sum();
                    }
                }
                return sum;
            } catch (IOException | java.io.UncheckedIOException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** Waits (at most 3 minutes) until the cleaner has shrunk the topic and it holds steady; its size then. */
    private static long awaitCompaction(KafkaBroker broker, long before) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        long last = before;
        int steady = 0;
        while (System.nanoTime() < deadline && steady < 3) {
            Thread.sleep(5_000);
            long now = topicBytes(broker);
            steady = now < before && now == last ? steady + 1 : 0;
            last = now;
        }
        return last;
    }
}
