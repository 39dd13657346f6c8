package dev.vigil.runtime;

import dev.vigil.config.RuntimeConfig;
import dev.vigil.testing.CriCreate;
import dev.vigil.testing.Integration;
import dev.vigil.testing.PrivateContainerd;
import dev.vigil.testing.api.CriCreateApi;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The resolver against a real containerd (Debian's 1.6, a private instance): a pod made through the CRI as
 * the kubelet makes it, and plain {@code ctr run} containers, resolve through {@link RuntimeClients#fromConfig};
 * a container created after start arrives through {@code drain} before it has a task; deletion leaves the
 * table; missing and refused sockets are counted, not thrown; a restarted resolver finds running containers.
 */
class ContainerdIdentityIT {
    private static final String POD_UID = "7f3e0c8a-5b1d-4e2f-9a6c-0d1e2f3a4b5c";
    private static final Map<String, String> POD_LABELS = Map.of("app", "probe", "tier", "backend");
    private static final Map<String, String> CONTAINER_LABELS = Map.of("io.kubernetes.container.name", "probe",
        "owner", "vigil-it");

    private static PrivateContainerd containerd;
    private static CriCreate cri;
    private static CriCreateApi.PodSandboxConfig podConfig;
    private static String podId;
    private static String criContainerId;

    @BeforeAll
    static void startContainerd() throws Exception {
        String missing = PrivateContainerd.unavailableReason();
        Integration.requireOrSkip(missing == null, missing);
        containerd = PrivateContainerd.start();
        cri = new CriCreate(containerd.socket());
        podConfig = CriCreate.pod("probe-pod", "vigil-it", POD_UID, POD_LABELS);
        try {
            podId = cri.runPodSandbox(podConfig);
            criContainerId = cri.createContainer(podId, podConfig, "probe", PrivateContainerd.IMAGE, CONTAINER_LABELS);
            cri.startContainer(criContainerId);
            containerd.ctr("default", "run", "-d", "--label", "team=blue", PrivateContainerd.IMAGE, "t1");
            containerd.ctr("default", "run", "-d", "--privileged", PrivateContainerd.IMAGE, "tpriv");
        } catch (RuntimeException | IOException e) {
            throw new AssertionError("setting up containers failed; containerd's log:\n" + containerd.log(), e);
        }
    }

    @AfterAll
    static void stopContainerd() {
        if (cri != null) {
            cri.close();
        }
        if (containerd != null) {
            containerd.close();
            assertFalse(Files.exists(containerd.dir()), "left behind: " + containerd.dir());
        }
    }

    private static RuntimeConfig config(String socket) {
        return new RuntimeConfig(List.of("containerd", "oci"), socket, null, null, null,
            List.of("k8s.io", "moby", "default"), List.of(containerd.bundleRoot().toString()), 2_000);
    }

    private static RuntimeIdentityResolver started(MeterRegistry registry) {
        RuntimeIdentityResolver r = RuntimeClients.fromConfig(config(containerd.socket().toString()), registry);
        r.start();
        return r;
    }

    @Test
    void resolvesCriPodAndPlainContainers() {
        try (RuntimeIdentityResolver r = started(new SimpleMeterRegistry())) {
            ContainerIdentity c = r.lookup(criContainerId.substring(0, 12));
            assertNotNull(c, "CRI container by its short id");
            assertEquals(criContainerId, c.id());
            assertEquals("containerd", c.type());
            assertEquals("probe", c.name());
            assertEquals(PrivateContainerd.IMAGE, c.image());
            assertEquals("registry.example/vigil/probe", c.imageRepository());
            assertEquals("1.0", c.imageTag());
            assertEquals("probe-pod", c.podName());
            assertEquals("vigil-it", c.podNamespace());
            assertEquals(POD_UID, c.podUid());
            assertEquals("probe", c.podLabels().get("app"));
            assertEquals("backend", c.podLabels().get("tier"));
            assertEquals("vigil-it", c.labels().get("owner"));
            assertEquals(Boolean.FALSE, c.privileged());
            assertEquals(c, r.lookup(criContainerId), "full id and short id give the same identity");

            ContainerIdentity sandbox = r.lookup(podId);
            assertNotNull(sandbox, "the pod sandbox is a container too");
            assertEquals("probe-pod", sandbox.name());
            assertEquals(POD_UID, sandbox.podUid());

            ContainerIdentity t1 = r.lookup("t1");
            assertNotNull(t1, "ctr run container by its name");
            assertEquals("containerd", t1.type());
            assertEquals("t1", t1.name());
            assertEquals("registry.example/vigil/probe", t1.imageRepository());
            assertEquals("1.0", t1.imageTag());
            assertEquals("blue", t1.labels().get("team"));
            assertNull(t1.podName());
            assertEquals(Boolean.FALSE, t1.privileged());

            assertEquals(Boolean.TRUE, r.lookup("tpriv").privileged(), "ctr run --privileged");
        }
    }

    @Test
    void newContainerArrivesThroughDrainBeforeItHasATask() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (RuntimeIdentityResolver r = started(registry)) {
            List<IdentitySource.Update> seen = new ArrayList<>();
            r.drain(seen::add);
            seen.clear();

            containerd.ctr("default", "containers", "create", "--label", "stage=early", PrivateContainerd.IMAGE, "t2");
            IdentitySource.Update created = awaitUpdate(r, seen, u -> "t2".equals(u.id()) && !u.deleted());
            assertEquals("early", created.identity().labels().get("stage"));
            assertEquals("registry.example/vigil/probe", created.identity().imageRepository());
            assertFalse(containerd.ctr("default", "tasks", "ls", "-q").lines().anyMatch("t2"::equals),
                "identity came from the create event, with no task yet");

            // The same for a kubelet-made container: known once created, before StartContainer.
            String late = cri.createContainer(podId, podConfig, "late", PrivateContainerd.IMAGE, Map.of());
            IdentitySource.Update lateUpdate = awaitUpdate(r, seen, u -> late.equals(u.id()) && !u.deleted());
            assertEquals("late", lateUpdate.identity().name());
            assertEquals("probe-pod", lateUpdate.identity().podName());
            // containerd's record names the image's first tag (pause: both tags share the image); the CRI, asked
            // at once because its rank is earlier, gives the reference the kubelet asked for.
            awaitUpdate(r, seen, u -> late.equals(u.id()) && u.identity() != null
                && "registry.example/vigil/probe".equals(u.identity().imageRepository()));
            cri.startContainer(late);

            containerd.ctr("default", "containers", "rm", "t2");
            awaitUpdate(r, seen, u -> "t2".equals(u.id()) && u.deleted());
            assertNull(r.lookup("t2"), "a deleted container leaves the table");
            cri.removeContainer(late);
            awaitUpdate(r, seen, u -> late.equals(u.id()) && u.deleted());
            assertNull(r.lookup(late));

            assertTrue(registry.get("vigil.runtime.events").tag("runtime", "containerd").counter().count() >= 4);
            assertEquals(1.0, registry.get("vigil.runtime.up").tag("runtime", "containerd").gauge().value());
        }
    }

    @Test
    void missingAndRefusedSocketsAreCountedNotThrown() throws Exception {
        Path missing = containerd.dir().resolve("missing.sock");
        Path refused = containerd.dir().resolve("refused.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(refused));
        }
        // The socket file stays after the close: connecting to it is refused.
        for (Path socket : List.of(missing, refused)) {
            MeterRegistry registry = new SimpleMeterRegistry();
            RuntimeConfig config = new RuntimeConfig(List.of("containerd"), socket.toString(), null, null, null,
                null, null, 500);
            try (RuntimeIdentityResolver r = RuntimeClients.fromConfig(config, registry)) {
                assertEquals(0, r.start());
                r.request("0123456789ab");
                assertNull(r.lookup("t1"));
                for (String client : List.of("containerd-cri", "containerd")) {
                    assertEquals(0.0, registry.get("vigil.runtime.up").tag("runtime", client).gauge().value(), client);
                    assertTrue(registry.get("vigil.runtime.errors").tag("runtime", client).tag("reason", "unavailable")
                        .counter().count() >= 1, socket + " " + client);
                }
            }
        }
    }

    @Test
    void restartedResolverFindsRunningContainersFromList() {
        try (RuntimeIdentityResolver first = started(new SimpleMeterRegistry())) {
            assertNotNull(first.lookup("t1"));
        }
        try (RuntimeIdentityResolver second = started(new SimpleMeterRegistry())) {
            // start() returns after the first lists: no event has happened since.
            assertEquals("t1", second.lookup("t1").name());
            assertEquals("probe-pod", second.lookup(criContainerId).podName());
            assertTrue(second.size() >= 4, "pod sandbox, CRI container, t1, tpriv: " + second.size());
        }
    }

    @Test
    void requestResolvesThroughInspectWhenTheTableDoesNotKnow() throws Exception {
        // A resolver on the OCI bundles alone has no event stream: what appears after start is found on request.
        RuntimeConfig config = new RuntimeConfig(List.of("oci"), null, null, null, null, null,
            List.of(containerd.bundleRoot().toString()), 2_000);
        try (RuntimeIdentityResolver r = RuntimeClients.fromConfig(config, new SimpleMeterRegistry())) {
            r.start();
            containerd.ctr("default", "run", "-d", PrivateContainerd.IMAGE, "t3");
            try {
                List<IdentitySource.Update> seen = new ArrayList<>();
                r.drain(seen::add);
                r.request("t3");
                IdentitySource.Update u = awaitUpdate(r, seen, x -> "t3".equals(x.id()));
                assertEquals("t3", u.identity().name());
                assertEquals("oci", u.identity().source());
            } finally {
                containerd.ctr("default", "tasks", "kill", "-s", "SIGKILL", "t3");
                containerd.ctr("default", "tasks", "delete", "-f", "t3");
                containerd.ctr("default", "containers", "rm", "t3");
            }
        }
    }

    @Test
    void aNamedContainerIsFoundByTheTwelveCharactersThePipelineKeeps() throws Exception {
        // ctr run … vigil.e2e-84ab: the pipeline's container.id is "vigil.e2e-84"; the event stream may come late
        containerd.ctr("default", "containers", "create", PrivateContainerd.IMAGE, "vigil.e2e-84ab");
        containerd.ctr("default", "containers", "create", PrivateContainerd.IMAGE, "vigilxe2e-84cd");
        try (ContainerdClient client = new ContainerdClient(containerd.socket().toString(), List.of("default"), 2_000)) {
            ContainerIdentity c = client.inspect("vigil.e2e-84").orElse(null);
            assertNotNull(c, "found by its first 12 characters");
            assertEquals("vigil.e2e-84ab", c.id(), "the '.' is matched as itself, not as any character");
            assertTrue(client.inspect("vigil-e2e").isEmpty(), "a name shorter than 12 is asked for as it is");
        } finally {
            containerd.ctr("default", "containers", "rm", "vigil.e2e-84ab");
            containerd.ctr("default", "containers", "rm", "vigilxe2e-84cd");
        }
    }

    /** Drains as the pipeline thread would until an update matches; fails after 10 s. */
    private static IdentitySource.Update awaitUpdate(RuntimeIdentityResolver r, List<IdentitySource.Update> seen,
                                                     Predicate<IdentitySource.Update> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            r.drain(seen::add);
            for (IdentitySource.Update u : seen) {
                if (match.test(u)) {
                    return u;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no matching update in 10 s; saw " + seen);
    }
}
