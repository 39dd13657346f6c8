package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.TestAlerts;
import dev.vigil.config.DeliveryConfig;
import dev.vigil.config.KafkaOutput;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka sink against a real broker (KRaft, the server from Maven Central, its own JVM) on
 * loopback: alerts produced and consumed back each once; a broker restart mid-stream loses none.
 */
class KafkaIT {
    static final int N = 10_000;
    @TempDir
    Path tmp;
    private KafkaBroker broker;
    private Outputs outputs;
    private final AlertJson json = new AlertJson();

    static void requireOrSkip(boolean available, String what) {
        if (!available && "1".equals(System.getenv("VIGIL_REQUIRE_INTEGRATION"))) {
            throw new AssertionError(what + " is missing and VIGIL_REQUIRE_INTEGRATION=1");
        }
        Assumptions.assumeTrue(available, what + " is missing: skipped");
    }

    private static boolean brokerOnClasspath() {
        try {
            Class.forName("kafka.Kafka", false, KafkaIT.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (outputs != null) {
            outputs.close(Duration.ofSeconds(2));
        }
        if (broker != null) {
            broker.close();
        }
    }

    private KafkaBroker broker() throws Exception {
        requireOrSkip(brokerOnClasspath(), "the Kafka server (org.apache.kafka:kafka_2.13, test scope)");
        broker = new KafkaBroker(tmp.resolve("kafka"));
        broker.start();
        return broker;
    }

    private Outputs outputs(String topic) throws Exception {
        outputs = Outputs.create(
            List.of(KafkaOutput.of("kafka://" + broker.bootstrap() + "/" + topic).withTimeouts(5000, 10000)
                .withDelivery(DeliveryConfig.defaults().withName("kafka").withMaxBackoffMillis(1000))),
            tmp.resolve("spool").toString(), new SimpleMeterRegistry(), "test");
        return outputs;
    }

    /** Reads the topic from the start until {@code want} distinct uuids were seen; uuid → times. */
    private Map<String, Integer> consume(String topic, Set<String> want, Duration max) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrap());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + System.nanoTime());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        Map<String, Integer> got = new HashMap<>();
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(p, new StringDeserializer(),
            new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long end = System.nanoTime() + max.toNanos();
            while (!got.keySet().containsAll(want) && System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    Alert a = json.read(r.value());
                    assertEquals(a.outputFields().get("container.id"), r.key());
                    got.merge(a.uuid(), 1, Integer::sum);
                }
            }
            // A last poll so that duplicates behind the last wanted record are seen too.
            for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofSeconds(2))) {
                got.merge(json.read(r.value()).uuid(), 1, Integer::sum);
            }
        }
        return got;
    }

    @Test
    void alertsAreProducedAndConsumedBackEachOnce() throws Exception {
        broker();
        Outputs d = outputs("alerts");
        Set<String> sent = ConcurrentHashMap.newKeySet();
        for (int i = 0; i < N; i++) {
            Alert a = TestAlerts.numbered(i);
            sent.add(a.uuid());
            d.emit(a);
        }
        assertTrue(d.flush(Duration.ofMinutes(2)));
        Map<String, Integer> got = consume("alerts", sent, Duration.ofMinutes(2));
        assertEquals(sent, got.keySet());
        assertTrue(got.values().stream().allMatch(n -> n == 1), "each once");
    }

    @Test
    void brokerRestartMidStreamLosesNone() throws Exception {
        broker();
        Outputs d = outputs("restart");
        Set<String> sent = ConcurrentHashMap.newKeySet();
        Thread emitter = new Thread(() -> {
            for (int i = 0; i < N; i++) {
                Alert a = TestAlerts.numbered(i);
                sent.add(a.uuid());
                d.emit(a);
                if (i % 100 == 99) {
                    try {
                        TimeUnit.MILLISECONDS.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "emitter");
        emitter.start();
        TimeUnit.SECONDS.sleep(2);
        broker.stop();
        TimeUnit.SECONDS.sleep(Integer.getInteger("vigil.it.kafkaOutageSeconds", 10));
        broker.start();
        emitter.join();
        assertTrue(d.flush(Duration.ofMinutes(3)), "delivered after the restart");
        Map<String, Integer> got = consume("restart", sent, Duration.ofMinutes(2));
        assertEquals(N, sent.size());
        assertEquals(sent, got.keySet());
        long dups = got.values().stream().filter(n -> n > 1).count();
        System.out.printf("kafka restart: %d alerts, %d consumed, %d delivered more than once%n", N,
            got.values().stream().mapToInt(Integer::intValue).sum(), dups);
    }
}
