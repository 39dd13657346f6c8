package dev.vigil.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bundles laid out as containerd's v2 shim and CRI-O keep them. */
class OciBundleClientTest {
    private static final String POD_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    private static final String CRIO_ID = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

    @TempDir
    Path dir;

    private void bundle(Path bundleDir, String annotations) throws IOException {
        Files.createDirectories(bundleDir);
        Files.writeString(bundleDir.resolve("config.json"), "{\"ociVersion\":\"1.0.2-dev\",\"process\":{"
            + "\"capabilities\":{\"bounding\":[\"CAP_CHOWN\",\"CAP_KILL\"]}},\"annotations\":{" + annotations + "},"
            + "\"linux\":{\"maskedPaths\":[\"/proc/kcore\"]}}");
    }

    private Path fixtures() throws IOException {
        Path containerd = dir.resolve("io.containerd.runtime.v2.task");
        bundle(containerd.resolve("k8s.io").resolve(POD_ID),
            "\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.container-name\":\"probe\","
                + "\"io.kubernetes.cri.sandbox-name\":\"probe-pod\",\"io.kubernetes.cri.sandbox-namespace\":\"vigil\","
                + "\"io.kubernetes.cri.sandbox-uid\":\"uid-1\","
                + "\"io.kubernetes.cri.image-name\":\"registry.example/vigil/probe:1.0\"");
        bundle(containerd.resolve("default").resolve("t1"), "");
        Files.createDirectories(containerd.resolve("default").resolve("not-a-bundle"));
        return containerd;
    }

    @Test
    void listsContainerdBundlesOfEveryNamespace() throws IOException {
        Path containerd = fixtures();
        Path crio = dir.resolve("overlay-containers");
        bundle(crio.resolve(CRIO_ID).resolve("userdata"), "\"io.kubernetes.cri-o.ContainerType\":\"container\","
            + "\"io.kubernetes.cri-o.ImageName\":\"quay.io/acme/api:3.1\",\"io.kubernetes.cri-o.Labels\":"
            + "\"{\\\"io.kubernetes.container.name\\\":\\\"api\\\",\\\"io.kubernetes.pod.name\\\":\\\"api-0\\\"}\"");
        try (OciBundleClient c = new OciBundleClient(List.of(containerd.toString(), crio.toString(),
            dir.resolve("missing").toString()))) {
            Map<String, ContainerIdentity> all = c.list().stream()
                .collect(Collectors.toMap(ContainerIdentity::id, Function.identity()));
            assertEquals(3, all.size(), all.toString());

            ContainerIdentity pod = all.get(POD_ID);
            assertEquals("probe", pod.name());
            assertEquals("probe-pod", pod.podName());
            assertEquals("vigil", pod.podNamespace());
            assertEquals("uid-1", pod.podUid());
            assertEquals("registry.example/vigil/probe", pod.imageRepository());
            assertEquals("1.0", pod.imageTag());
            assertEquals("containerd", pod.type());
            assertEquals(Boolean.FALSE, pod.privileged());

            ContainerIdentity t1 = all.get("t1");
            assertEquals("t1", t1.name());
            assertNull(t1.image());

            ContainerIdentity api = all.get(CRIO_ID);
            assertEquals("cri-o", api.type());
            assertEquals("api", api.name());
            assertEquals("api-0", api.podName());
        }
    }

    @Test
    void inspectsByFullOrShortId() throws IOException {
        try (OciBundleClient c = new OciBundleClient(List.of(fixtures().toString()))) {
            assertEquals("probe", c.inspect(POD_ID).orElseThrow().name());
            assertEquals(POD_ID, c.inspect(POD_ID.substring(0, 12)).orElseThrow().id());
            assertEquals("t1", c.inspect("t1").orElseThrow().id());
            assertTrue(c.inspect("nope").isEmpty());
            assertTrue(c.inspect("../k8s.io").isEmpty());
        }
    }
}
