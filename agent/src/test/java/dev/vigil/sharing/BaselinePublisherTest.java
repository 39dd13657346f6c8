package dev.vigil.sharing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.output.DiskSpool;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaselinePublisherTest {
    @TempDir
    Path dir;

    /** Answers nothing until the test says so, as a producer whose brokers are away answers nothing until its delivery timeout. */
    private final MockProducer<String, byte[]> producer = new MockProducer<>(false, null, new StringSerializer(),
        new ByteArraySerializer()) {
        @Override
        public synchronized void flush() {
            // a real flush waits for the answers; this producer has none to give until the test completes them
        }
    };
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BaselinePublisher publisher;

    private static SharedRecord tuple(String program) {
        return new SharedRecord.Tuple("Image program", "shop/web", "shop/web\u001f" + program, "node-a", 5, false);
    }

    private BaselinePublisher started() throws Exception {
        SharingMetrics metrics = new SharingMetrics(registry);
        publisher = new BaselinePublisher(producer, "vigil-baselines", new DiskSpool(dir, 1 << 20, 1 << 16), 100,
            metrics).start();
        return publisher;
    }

    @AfterEach
    void close() {
        if (publisher != null) {
            publisher.close(Duration.ofMillis(100));
        }
    }

    private static void await(BooleanSupplier ok, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!ok.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            Thread.sleep(10);
        }
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    @Test
    void whatIsLearnedWhileABatchWaitsForTheBrokersIsSpooledAtOnce() throws Exception {
        BaselinePublisher p = started();
        p.offer(tuple("nginx"));
        await(() -> producer.history().size() == 1, "the first tuple is sent");
        p.offer(tuple("sh"));
        p.offer(tuple("curl"));
        await(() -> p.spooled() == 3, "the tuples learned meanwhile reach the disk spool while the first waits for an answer");

        producer.errorNext(new TimeoutException("Expiring 1 record(s): delivery timeout"));
        await(() -> counter("vigil.baselines.shared.publish.retries") == 1, "the failed batch is counted a retry");
        assertEquals(3, p.spooled(), "nothing is consumed from the spool that was not acknowledged");

        // The retry sends the three, oldest first; only the acknowledged prefix leaves the spool.
        await(() -> producer.history().size() == 4, "the retry sends the spool's three records");
        assertEquals("shop/web\u001fnginx", SharedRecord.parse(producer.history().get(1).value()) instanceof SharedRecord.Tuple t
            ? t.tuple() : null);
        producer.completeNext();
        producer.completeNext();
        producer.errorNext(new TimeoutException("delivery timeout"));
        await(() -> counter("vigil.baselines.shared.publish.retries") == 2, "the second failure is counted");
        assertEquals(1, p.spooled(), "the two acknowledged records are consumed, the third stays");
        assertEquals(2, counter("vigil.baselines.shared.published"));
    }
}
