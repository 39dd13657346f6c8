package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client against {@link FakeEngineServer}: parsing of inspections shaped like Docker 20.10's,
 * the digest cache, and the bounds (body cap, event cap, timeout, missing socket, a stream that ends).
 */
class DockerEngineClientTest {
    private static final String ID = "4f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c";
    private static final String GONE = "0000000000000000000000000000000000000000000000000000000000000000";
    private static final String IMAGE_ID = "sha256:" + "ab".repeat(32);
    private static final String DIGEST = "sha256:" + "cd".repeat(32);

    /** A dockershim/cri-dockerd container, as Docker's inspect shows one (trimmed to what we read). */
    private static final String K8S_INSPECT = """
        {"Id":"%s","Created":"2026-12-05T23:16:26.5Z","Name":"/k8s_nginx_web-7d9f_shop_9c1e2f00-1111-2222-3333-444455556666_0",
         "Image":"%s","State":{"Status":"running","Running":true,"Pid":4242},
         "HostConfig":{"Privileged":true,"NetworkMode":"none","CapAdd":null},
         "Config":{"Hostname":"web-7d9f","Image":"registry.example:5000/shop/nginx:1.25","Cmd":["nginx"],
           "Labels":{"io.kubernetes.container.name":"nginx","io.kubernetes.pod.name":"web-7d9f",
             "io.kubernetes.pod.namespace":"shop","io.kubernetes.pod.uid":"9c1e2f00-1111-2222-3333-444455556666",
             "annotation.io.kubernetes.container.restartCount":"0"}}}
        """.formatted(ID, IMAGE_ID);
    private static final String IMAGE = """
        {"Id":"%s","RepoTags":["registry.example:5000/shop/nginx:1.25","mirror.example/nginx:1.25"],
         "RepoDigests":["mirror.example/nginx@sha256:%s","registry.example:5000/shop/nginx@%s"]}
        """.formatted(IMAGE_ID, "ef".repeat(32), DIGEST);

    @TempDir
    Path dir;
    private Path socket;
    private FakeEngineServer server;
    private DockerEngineClient client;

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("e.sock");
        server = new FakeEngineServer(socket);
        client = new DockerEngineClient("docker", socket, Duration.ofSeconds(2), 64 << 10, 4 << 10);
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void readsKubernetesContainerFromInspection() throws IOException {
        server.reply("/containers/" + ID + "/json", 200, K8S_INSPECT).reply("/images/" + IMAGE_ID + "/json", 200, IMAGE);

        ContainerIdentity c = client.inspect(ID).orElseThrow();

        assertEquals(ID, c.id());
        assertEquals("docker", c.type());
        assertEquals("docker", c.source());
        assertEquals("nginx", c.name(), "the Kubernetes container name, not Docker's k8s_… name");
        assertEquals("registry.example:5000/shop/nginx:1.25", c.image());
        assertEquals("registry.example:5000/shop/nginx", c.imageRepository());
        assertEquals("1.25", c.imageTag());
        assertEquals(DIGEST, c.imageDigest(), "the digest of the container's repository, not the mirror's");
        assertEquals(Boolean.TRUE, c.privileged());
        assertEquals("web-7d9f", c.podName());
        assertEquals("shop", c.podNamespace());
        assertEquals("9c1e2f00-1111-2222-3333-444455556666", c.podUid());
        assertEquals("0", c.labels().get("annotation.io.kubernetes.container.restartCount"));
    }

    @Test
    void plainContainerNameLosesLeadingSlashAndHasNoPod() throws IOException {
        server.reply("/containers/4f1c2d3e4f5a/json", 200, """
            {"Id":"%s","Name":"/web","Image":"%s","HostConfig":{"Privileged":false},
             "Config":{"Image":"busybox","Labels":{"app":"web"}}}""".formatted(ID, IMAGE_ID))
            .reply("/images/" + IMAGE_ID + "/json", 200, "{\"Id\":\"%s\",\"RepoDigests\":[]}".formatted(IMAGE_ID));

        ContainerIdentity c = client.inspect("4f1c2d3e4f5a").orElseThrow();

        assertEquals(ID, c.id(), "the full id, also when asked by the short one");
        assertEquals("web", c.name());
        assertEquals("busybox", c.imageRepository());
        assertEquals("latest", c.imageTag());
        assertNull(c.imageDigest(), "an image without RepoDigests has no digest");
        assertEquals(Boolean.FALSE, c.privileged());
        assertEquals(Map.of("app", "web"), c.labels());
        assertNull(c.podName());
    }

    @Test
    void asksForAnImageOnceForManyContainers() throws Exception {
        server.reply("/containers/" + ID + "/json", 200, K8S_INSPECT).reply("/images/" + IMAGE_ID + "/json", 200, IMAGE);

        client.inspect(ID);
        client.inspect(ID);

        List<String> seen = List.copyOf(server.requests);
        assertEquals(1, seen.stream().filter(r -> r.startsWith("/images/")).count(), seen.toString());
        assertEquals(2, seen.stream().filter(r -> r.startsWith("/containers/")).count(), seen.toString());
    }

    @Test
    void unknownContainerIsEmpty() throws IOException {
        assertEquals(Optional.empty(), client.inspect(GONE));
    }

    @Test
    void listInspectsEachRunningContainerAndSkipsOneGoneMeanwhile() throws IOException {
        server.reply("/containers/json", 200, "[{\"Id\":\"%s\",\"Names\":[\"/x\"]},{\"Id\":\"%s\"}]".formatted(GONE, ID))
            .reply("/containers/" + ID + "/json", 200, K8S_INSPECT).reply("/images/" + IMAGE_ID + "/json", 200, IMAGE);

        List<ContainerIdentity> all = client.list();

        assertEquals(List.of(ID), all.stream().map(ContainerIdentity::id).toList());
    }

    @Test
    void serverErrorIsAnIOExceptionWithTheDaemonsMessage() {
        server.reply("/containers/json", 500, "{\"message\":\"storage driver broke\"}");

        IOException e = assertThrows(IOException.class, client::list);
        assertTrue(e.getMessage().contains("500") && e.getMessage().contains("storage driver broke"), e.getMessage());
    }

    @Test
    void refusesABodyOverTheCap() {
        byte[] big = ("[" + "{\"Id\":\"x\"},".repeat(10_000) + "{}]").getBytes();
        assertTrue(big.length > 64 << 10);
        server.reply("/containers/json", 200, big);

        assertThrows(IOException.class, client::list);
    }

    @Test
    void stalledDaemonTimesOutInsteadOfHanging() {
        server.hang("/version");
        try (DockerEngineClient quick = new DockerEngineClient("podman", socket, Duration.ofMillis(300))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                () -> assertThrows(IOException.class, quick::version));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void missingSocketFailsAtOnce() {
        try (DockerEngineClient nowhere = new DockerEngineClient("docker", dir.resolve("none.sock"), Duration.ofSeconds(30))) {
            IOException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IOException.class, nowhere::list));
            assertTrue(e.getMessage().contains("none.sock"), e.getMessage());
        }
    }

    @Test
    void socketFileWithNoListenerIsRefused() throws IOException {
        Path stale = Files.createFile(dir.resolve("stale.sock"));
        try (DockerEngineClient c = new DockerEngineClient("docker", stale, Duration.ofSeconds(30))) {
            assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(IOException.class, c::version));
        }
    }

    @Test
    void versionReadsTheEngineVersion() throws IOException {
        server.reply("/version", 200, "{\"Version\":\"20.10.24+dfsg1\",\"ApiVersion\":\"1.41\"}");
        assertEquals("20.10.24+dfsg1", client.version());
    }

    @Test
    void watchInspectsCreatedAndReportsRemovedAcrossSplitChunks() throws Exception {
        server.reply("/containers/" + ID + "/json", 200, K8S_INSPECT).reply("/images/" + IMAGE_ID + "/json", 200, IMAGE);
        Recorder rec = new Recorder();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> rec.watch(client));
        Channel stream = server.awaitEventStream();
        String create = event("create", ID);

        FakeEngineServer.pushChunk(stream, create.substring(0, 40));
        FakeEngineServer.pushChunk(stream, create.substring(40) + "\n" + event("die", ID) + "\n"
            + "{\"Type\":\"network\",\"Action\":\"destroy\",\"Actor\":{\"ID\":\"n1\"}}\n");
        FakeEngineServer.pushChunk(stream, event("destroy", ID) + "\n" + event("remove", GONE) + "\n");

        assertEquals("upsert " + ID + " nginx", rec.next());
        assertEquals("deleted " + ID, rec.next(), "die and the network event are not container changes");
        assertEquals("deleted " + GONE, rec.next(), "Podman's remove is a deletion too");
        String filter = server.requests.stream().filter(r -> r.startsWith("/events")).findFirst().orElseThrow();
        assertTrue(filter.contains("\"type\":[\"container\"]") && filter.contains("\"destroy\""), filter);
        assertTrue(client.watching());

        client.close();
        watch.get(5, TimeUnit.SECONDS);
        assertNull(rec.failure, "close ends the watch without an error");
        assertFalse(client.watching());
    }

    @Test
    void eventOverTheCapEndsTheWatchWithAnError() throws Exception {
        Recorder rec = new Recorder();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> rec.watch(client));
        Channel stream = server.awaitEventStream();

        FakeEngineServer.pushChunk(stream, "{\"Type\":\"container\",\"Action\":\"create\",\"Actor\":{\"ID\":\""
            + "a".repeat(8 << 10) + "\"}}\n");

        watch.get(5, TimeUnit.SECONDS);
        assertTrue(rec.failure instanceof IOException, String.valueOf(rec.failure));
    }

    @Test
    void listenerFallingTooFarBehindEndsTheWatchWithAnError() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        CompletableFuture.runAsync(() -> {
            try {
                client.watch(new RuntimeClient.Listener() {
                    @Override
                    public void upsert(ContainerIdentity identity) {
                    }

                    @Override
                    public void deleted(String id) {
                        try {
                            release.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        Channel stream = server.awaitEventStream();

        // All in one chunk: the client decodes them in one read while its listener is stuck on the first.
        String burst = (event("destroy", GONE) + "\n").repeat(UnixSocketHttpClient.STREAM_QUEUE + 2);
        stream.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(burst, StandardCharsets.UTF_8)));
        assertTrue(stream.closeFuture().await(5, TimeUnit.SECONDS), "the client did not hang up");
        release.countDown();

        assertTrue(outcome.get(5, TimeUnit.SECONDS) instanceof IOException, "the client hung up on overflow");
    }

    @Test
    void daemonEndingTheStreamIsAnError() throws Exception {
        Recorder rec = new Recorder();
        CompletableFuture<Void> watch = CompletableFuture.runAsync(() -> rec.watch(client));
        server.awaitEventStream().close();

        watch.get(5, TimeUnit.SECONDS);
        assertTrue(rec.failure instanceof IOException, String.valueOf(rec.failure));
    }

    private static String event(String action, String id) {
        return """
            {"status":"%1$s","id":"%2$s","from":"busybox","Type":"container","Action":"%1$s",
             "Actor":{"ID":"%2$s","Attributes":{"image":"busybox","name":"web"}},"scope":"local","time":1796512611}"""
            .formatted(action, id).replace("\n", "");
    }

    /** Runs a watch and records what the listener got, as lines. */
    private static final class Recorder implements RuntimeClient.Listener {
        final BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        volatile Throwable failure;

        void watch(RuntimeClient c) {
            try {
                c.watch(this);
            } catch (Throwable t) {
                failure = t;
            }
        }

        String next() throws InterruptedException {
            String s = seen.poll(5, TimeUnit.SECONDS);
            if (s == null) {
                throw new AssertionError("no event within 5 s; failure: " + failure);
            }
            return s;
        }

        @Override
        public void upsert(ContainerIdentity identity) {
            seen.add("upsert " + identity.id() + " " + identity.name());
        }

        @Override
        public void deleted(String id) {
            seen.add("deleted " + id);
        }
    }
}
