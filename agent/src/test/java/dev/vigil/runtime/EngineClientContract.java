package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.ContainerEngine;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link DockerEngineClient} must get right against a real engine; each IT subclass brings one
 * ({@code dockerd}, Podman's API service). Expected values come from what the test asked the engine's
 * CLI for (names, labels, image, flags) or what the CLI reports (ids, digests), never from the client.
 */
abstract class EngineClientContract {
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private DockerEngineClient client;
    private final List<String> made = new ArrayList<>();

    /** The engine, started once per class by the subclass. */
    abstract ContainerEngine engine();

    @BeforeEach
    void connect() {
        client = new DockerEngineClient(engine().type(), engine().socket(), TIMEOUT);
    }

    @AfterEach
    void cleanUp() {
        client.close();
        for (String name : made) {
            try {
                engine().remove(name);
            } catch (IOException e) {
                // already gone (the watch test removes its own)
            }
        }
    }

    @Test
    void answersVersion() throws IOException {
        assertTrue(!client.version().isBlank());
    }

    @Test
    void listsRunningContainerWithItsIdentity() throws IOException {
        String name = name("web");
        String id = engine().run(name, "--label", "app=web", "--label", "tier=front");

        ContainerIdentity c = client.list().stream().filter(x -> x.id().equals(id)).findFirst()
            .orElseThrow(() -> new AssertionError(id + " not listed"));

        assertEquals(engine().type(), c.type());
        assertEquals(name, c.name());
        assertEquals(ContainerEngine.IMAGE, c.image());
        assertEquals("registry.example/vigil/probe", c.imageRepository());
        assertEquals("1.0", c.imageTag());
        assertEquals(expectedDigest(), c.imageDigest());
        assertEquals("web", c.labels().get("app"));
        assertEquals("front", c.labels().get("tier"));
        assertEquals(Boolean.FALSE, c.privileged());
        assertNull(c.podName());
    }

    @Test
    void doesNotListAStoppedContainer() throws IOException {
        String id = engine().create(name("idle"));
        assertTrue(client.list().stream().noneMatch(x -> x.id().equals(id)));
        assertTrue(client.inspect(id).isPresent(), "but it can be inspected");
    }

    @Test
    void inspectsByShortAndFullId() throws IOException {
        String name = name("by-id");
        String id = engine().run(name, "--label", "io.kubernetes.pod.namespace=shop");

        ContainerIdentity full = client.inspect(id).orElseThrow();
        ContainerIdentity shortId = client.inspect(id.substring(0, 12)).orElseThrow();

        assertEquals(id, full.id());
        assertEquals(full, shortId);
        assertEquals("shop", full.podNamespace());
        assertEquals(name, full.name());
    }

    @Test
    void unknownIdIsEmpty() throws IOException {
        assertTrue(client.inspect("0123456789ab").isEmpty());
    }

    /**
     * Created, not started: {@code --privileged} cannot start on this VM (its capability bounding set
     * lacks CAP_SYS_RESOURCE, so runc fails "unable to apply caps"), but the flag is in the runtime's
     * spec from creation on, which is what {@code container.privileged} reports.
     */
    @Test
    void privilegedFlagComesFromTheSpec() throws IOException {
        String id = engine().create(name("priv"), "--privileged");

        assertEquals(Boolean.TRUE, client.inspect(id).orElseThrow().privileged());
    }

    @Test
    void watchReportsCreateAndStartAsUpsertsAndRemovalAsDeleted() throws Exception {
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> {
            try {
                client.watch(new RuntimeClient.Listener() {
                    @Override
                    public void upsert(ContainerIdentity identity) {
                        seen.add("upsert " + identity.id() + " " + identity.name() + " " + identity.imageTag());
                    }

                    @Override
                    public void deleted(String id) {
                        seen.add("deleted " + id);
                    }
                });
            } catch (IOException e) {
                seen.add("failed " + e.getMessage());
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!client.watching() && !watch.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(20); // waiting for the subscription before making the container
        }
        assertTrue(client.watching(), "the event stream never started: " + seen);

        String name = name("watched");
        String id = engine().run(name);
        String upsert = "upsert " + id + " " + name + " 1.0";
        assertEquals(upsert, next(seen, id), "create");
        assertEquals(upsert, next(seen, id), "start");
        engine().remove(name);
        assertEquals("deleted " + id, next(seen, id));

        client.close();
        watch.get(10, TimeUnit.SECONDS);
    }

    @Test
    void missingSocketFailsQuickly() {
        Path none = engine().socket().resolveSibling("absent.sock");
        try (DockerEngineClient c = new DockerEngineClient(engine().type(), none, Duration.ofSeconds(30))) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
                assertThrows(IOException.class, c::list);
                assertThrows(IOException.class, () -> c.watch(new RuntimeClient.Listener() {
                    @Override
                    public void upsert(ContainerIdentity identity) {
                    }

                    @Override
                    public void deleted(String id) {
                    }
                }));
            });
        }
    }

    private String name(String what) {
        String n = "vigil-" + what + "-" + SEQ.incrementAndGet();
        made.add(n);
        return n;
    }

    /** The digest the engine's CLI shows for the test image's repository, null when it shows none. */
    private String expectedDigest() throws IOException {
        for (String rd : engine().repoDigests()) {
            if (rd.startsWith("registry.example/vigil/probe@")) {
                return rd.substring(rd.indexOf('@') + 1);
            }
        }
        return null;
    }

    /** The next event about {@code id} (others' containers are ignored), within 20 s. */
    private static String next(BlockingQueue<String> seen, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String s = seen.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (s == null) {
                break;
            }
            if (s.startsWith("failed") || s.contains(id)) {
                return s;
            }
        }
        throw new AssertionError("no event about " + id + " within 20 s");
    }

}
