package dev.vigil.runtime;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The resolver's table, merging, bounds and requests, over in-memory clients (the real ones: ContainerdIdentityIT). */
class RuntimeIdentityResolverTest {
    private static final String HEX = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /** A runtime held in memory; its watch blocks until closed, handing the listener to the test. */
    static final class MemoryClient implements RuntimeClient {
        final String name;
        final Map<String, ContainerIdentity> containers = new ConcurrentHashMap<>();
        final List<String> inspected = new CopyOnWriteArrayList<>();
        final CountDownLatch watching = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile Listener listener;

        MemoryClient(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public List<ContainerIdentity> list() {
            return List.copyOf(containers.values());
        }

        @Override
        public Optional<ContainerIdentity> inspect(String id) {
            inspected.add(id);
            ContainerIdentity exact = containers.get(id);
            if (exact != null || id.length() < 12) {
                return Optional.ofNullable(exact);
            }
            // a 12-character id, as the state stage asks, is found by prefix, as the runtimes do
            return containers.values().stream().filter(c -> c.id().startsWith(id)).findFirst();
        }

        @Override
        public void watch(Listener l) throws IOException {
            listener = l;
            watching.countDown();
            try {
                closed.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void close() {
            closed.countDown();
        }
    }

    private static ContainerIdentity identity(String id, String name, String image, String podName, String source) {
        IdentityBuilder b = new IdentityBuilder(id, "containerd", source);
        b.name(name).image(image).pod(podName, null, null);
        return b.build();
    }

    private static RuntimeIdentityResolver resolver(int max, RuntimeClient... clients) {
        return new RuntimeIdentityResolver(List.of(clients), new SimpleMeterRegistry(), Duration.ofSeconds(5), max, 64);
    }

    @Test
    void firstSourceWinsAndLaterOnesFillTheGaps() {
        MemoryClient cri = new MemoryClient("cri");
        MemoryClient native_ = new MemoryClient("native");
        cri.containers.put(HEX, identity(HEX, "app", "registry.example/app:2", null, "cri"));
        native_.containers.put(HEX, identity(HEX, "other", "registry.example/pause:1", "web-0", "native"));
        try (RuntimeIdentityResolver r = resolver(100, cri, native_)) {
            r.start();
            ContainerIdentity c = r.lookup(HEX);
            assertEquals("app", c.name());
            assertEquals("registry.example/app", c.imageRepository());
            assertEquals("web-0", c.podName(), "filled from the later source");
            assertEquals(c, r.lookup(HEX.substring(0, 12)), "12-char short id");
        }
    }

    @Test
    void namedIdsAreKeyedAsTheyAre() {
        MemoryClient c = new MemoryClient("c");
        c.containers.put("t1", identity("t1", "t1", "busybox", null, "c"));
        try (RuntimeIdentityResolver r = resolver(100, c)) {
            r.start();
            assertEquals("t1", r.lookup("t1").name());
            assertNull(r.lookup("t"));
        }
    }

    @Test
    void eventsBecomeUpdatesAndDeletionLeavesTheTable() throws Exception {
        MemoryClient c = new MemoryClient("c");
        try (RuntimeIdentityResolver r = resolver(100, c)) {
            r.start();
            assertTrue(c.watching.await(5, TimeUnit.SECONDS));
            List<IdentitySource.Update> seen = new ArrayList<>();
            assertEquals(0, r.drain(seen::add));

            c.listener.upsert(identity(HEX, "app", "img:1", null, "c"));
            c.listener.upsert(identity(HEX, "app", "img:1", null, "c"));
            assertEquals(1, r.drain(seen::add), "an unchanged identity is not a second update");
            assertEquals("app", seen.get(0).identity().name());

            c.listener.deleted(HEX);
            assertEquals(1, r.drain(seen::add));
            assertTrue(seen.get(1).deleted());
            assertNull(r.lookup(HEX));
            assertNull(r.lookup(HEX.substring(0, 12)));
            assertEquals(0, r.size());
        }
    }

    @Test
    void anEventOfALaterSourceIsCompletedByTheBetterRankedOneAtOnce() throws Exception {
        // containerd's own event for a kubelet's container (no image: its CRI names the one the kubelet asked for)
        MemoryClient cri = new MemoryClient("cri");
        MemoryClient native_ = new MemoryClient("native");
        try (RuntimeIdentityResolver r = resolver(100, cri, native_)) {
            r.start();
            assertTrue(native_.watching.await(5, TimeUnit.SECONDS));
            cri.containers.put(HEX, identity(HEX, "app", "registry.example/probe:1.0", "web-0", "cri"));
            native_.listener.upsert(identity(HEX, "app", null, "web-0", "native"));
            List<IdentitySource.Update> seen = new ArrayList<>();
            r.drain(seen::add);
            assertEquals(2, seen.size(), "what the event said, then the merge with the CRI's answer: " + seen);
            assertNull(seen.get(0).identity().imageRepository());
            assertEquals("registry.example/probe", seen.get(1).identity().imageRepository());
            assertEquals(List.of(HEX), cri.inspected, "the CRI asked once, on the event");
        }
    }

    @Test
    void aBetterRankedSourceThatDoesNotKnowTheContainerYetIsAskedAgain() throws Exception {
        // containerd announces a kubelet's container before its CRI has it in its store
        MemoryClient cri = new MemoryClient("cri");
        MemoryClient native_ = new MemoryClient("native");
        try (RuntimeIdentityResolver r = resolver(100, cri, native_)) {
            r.start();
            assertTrue(native_.watching.await(5, TimeUnit.SECONDS));
            native_.listener.upsert(identity(HEX, "app", null, "web-0", "native"));
            assertTrue(r.resolving(HEX.substring(0, 12)), "the CRI is still to be asked: the alert stage may wait");
            cri.containers.put(HEX, identity(HEX, "app", "registry.example/probe:1.0", "web-0", "cri"));
            List<IdentitySource.Update> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.stream().noneMatch(u -> "registry.example/probe".equals(u.identity().imageRepository()))) {
                assertTrue(System.nanoTime() < deadline, "the CRI's answer never came: " + seen);
                r.drain(seen::add);
                Thread.onSpinWait();
            }
            assertTrue(cri.inspected.size() >= 2, "asked on the event, then again: " + cri.inspected);
            awaitNotResolving(r, HEX);
        }
    }

    @Test
    void aContainerTheBetterSourceNeverKnowsStopsResolvingAfterTheLastAttempt() throws Exception {
        MemoryClient cri = new MemoryClient("cri");
        MemoryClient native_ = new MemoryClient("native");
        try (RuntimeIdentityResolver r = resolver(100, cri, native_)) {
            r.start();
            assertTrue(native_.watching.await(5, TimeUnit.SECONDS));
            native_.listener.upsert(identity(HEX, "app", null, null, "native"));
            assertTrue(r.resolving(HEX));
            awaitNotResolving(r, HEX);
            assertEquals(1 + RuntimeIdentityResolver.REFINE_ATTEMPTS, cri.inspected.size(),
                "asked on the event, then once per attempt, then left alone: " + cri.inspected);
        }
    }

    @Test
    void aLookupAnsweredOnlyByALaterSourceAsksTheBetterOneAgain() throws Exception {
        // the pipeline meets a container before containerd's event; containerd's API knows it, the CRI not yet
        MemoryClient cri = new MemoryClient("cri");
        MemoryClient native_ = new MemoryClient("native");
        try (RuntimeIdentityResolver r = resolver(100, cri, native_)) {
            r.start();
            native_.containers.put(HEX, identity(HEX, "app", null, "web-0", "native"));
            String shortId = HEX.substring(0, 12);
            r.request(shortId);
            assertTrue(r.resolving(shortId), "a queued lookup is resolving");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (r.lookup(shortId) == null) {
                assertTrue(System.nanoTime() < deadline, "the lookup never answered");
                Thread.sleep(5);
            }
            assertTrue(r.resolving(shortId), "answered by containerd only: the CRI is asked again");
            cri.containers.put(HEX, identity(HEX, "app", "registry.example/probe:1.0", "web-0", "cri"));
            while (r.lookup(shortId).imageRepository() == null) {
                assertTrue(System.nanoTime() < deadline, "the CRI was not asked again");
                Thread.sleep(5);
            }
            awaitNotResolving(r, shortId);
        }
    }

    private static void awaitNotResolving(RuntimeIdentityResolver r, String id) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (r.resolving(id)) {
            assertTrue(System.nanoTime() < deadline, id + " still resolving after 5 s");
            Thread.sleep(10);
        }
    }

    @Test
    void tableIsBoundedAndCounted() throws Exception {
        MemoryClient c = new MemoryClient("c");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RuntimeIdentityResolver r = new RuntimeIdentityResolver(List.of(c), registry, Duration.ofSeconds(5), 2, 64)) {
            r.start();
            assertTrue(c.watching.await(5, TimeUnit.SECONDS));
            for (int i = 0; i < 5; i++) {
                c.listener.upsert(identity("c" + i, "n", null, null, "c"));
            }
            assertEquals(2, r.size());
            assertEquals(3.0, registry.get("vigil.runtime.dropped").tag("reason", "table_full").counter().count());
        }
    }

    @Test
    void requestInspectsOnceAndRemembersTheUnknown() throws Exception {
        MemoryClient c = new MemoryClient("c");
        try (RuntimeIdentityResolver r = resolver(100, c)) {
            r.start();
            c.containers.put("late", identity("late", "late", "img:1", null, "c"));
            r.request("late");
            List<IdentitySource.Update> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.isEmpty() && System.nanoTime() < deadline) {
                r.drain(seen::add);
                Thread.sleep(5);
            }
            assertEquals("late", seen.get(0).identity().name());

            for (int i = 0; i < 3; i++) {
                r.request("ghost");
            }
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (!c.inspected.contains("ghost") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Thread.sleep(100);
            r.request("ghost");
            Thread.sleep(100);
            long asked = c.inspected.stream().filter("ghost"::equals).count();
            assertTrue(asked >= 1 && asked <= 2, "deduplicated while pending, then remembered as unknown: " + asked);
        }
    }

    @Test
    void aFailingClientNeverThrowsAndIsCounted() {
        AtomicInteger calls = new AtomicInteger();
        RuntimeClient broken = new RuntimeClient() {
            @Override
            public String name() {
                return "broken";
            }

            @Override
            public List<ContainerIdentity> list() throws IOException {
                calls.incrementAndGet();
                throw new RuntimeCallException(RuntimeCallException.Reason.PERMISSION_DENIED, "/x.sock: permission denied", null);
            }

            @Override
            public Optional<ContainerIdentity> inspect(String id) throws IOException {
                throw new RuntimeCallException(RuntimeCallException.Reason.TIMEOUT, "slow", null);
            }

            @Override
            public void watch(Listener listener) {
            }

            @Override
            public void close() {
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (RuntimeIdentityResolver r = new RuntimeIdentityResolver(List.of(broken), registry, Duration.ofSeconds(5),
            10, 10)) {
            assertEquals(0, r.start());
            assertEquals(0.0, registry.get("vigil.runtime.up").tag("runtime", "broken").gauge().value());
            assertEquals(1.0, registry.get("vigil.runtime.errors").tag("runtime", "broken")
                .tag("reason", "permission_denied").counter().count());
            assertEquals(1, calls.get(), "backs off rather than hammering");
        }
    }
}
