package dev.vigil.runtime;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KubernetesAnnotationsTest {
    private static final String UID = "5b0c3c52-8d2e-4a8e-9a3c-0f1e2d3c4b5a";

    @Test
    void containerdCriContainer() {
        Map<String, String> a = Map.of(
            "io.kubernetes.cri.container-type", "container",
            "io.kubernetes.cri.container-name", "nginx",
            "io.kubernetes.cri.sandbox-id", "f00d",
            "io.kubernetes.cri.sandbox-name", "web-7d9f8c6b5-x2kqp",
            "io.kubernetes.cri.sandbox-namespace", "shop",
            "io.kubernetes.cri.sandbox-uid", UID,
            "io.kubernetes.cri.image-name", "docker.io/library/nginx:1.27");
        IdentityBuilder b = new IdentityBuilder("abc", "containerd", "t");
        KubernetesAnnotations.apply(a, Map.of(), b);
        ContainerIdentity id = b.build();
        assertEquals("nginx", id.name());
        assertEquals("web-7d9f8c6b5-x2kqp", id.podName());
        assertEquals("shop", id.podNamespace());
        assertEquals(UID, id.podUid());
        assertEquals("docker.io/library/nginx", id.imageRepository());
        assertEquals("1.27", id.imageTag());
    }

    @Test
    void containerdCriSandboxIsNamedAfterItsPod() {
        Map<String, String> a = Map.of(
            "io.kubernetes.cri.container-type", "sandbox",
            "io.kubernetes.cri.sandbox-id", "f00d",
            "io.kubernetes.cri.sandbox-name", "web-0",
            "io.kubernetes.cri.sandbox-namespace", "shop",
            "io.kubernetes.cri.sandbox-uid", UID);
        IdentityBuilder b = new IdentityBuilder("f00d", "containerd", "t");
        KubernetesAnnotations.apply(a, Map.of(), b);
        assertEquals("web-0", b.build().name());
        assertEquals("shop", b.build().podNamespace());
    }

    @Test
    void crioContainerFromItsLabelsJson() {
        Map<String, String> a = Map.of(
            "io.kubernetes.cri-o.ContainerType", "container",
            "io.kubernetes.cri-o.ContainerName", "k8s_app_api-0_prod_" + UID + "_0",
            "io.kubernetes.cri-o.ImageName", "quay.io/acme/api:3.1",
            "io.kubernetes.cri-o.Labels", "{\"io.kubernetes.container.name\":\"app\",\"io.kubernetes.pod.name\":"
                + "\"api-0\",\"io.kubernetes.pod.namespace\":\"prod\",\"io.kubernetes.pod.uid\":\"" + UID + "\"}");
        assertTrue(KubernetesAnnotations.fromCrio(a));
        IdentityBuilder b = new IdentityBuilder("abc", "cri-o", "t");
        KubernetesAnnotations.apply(a, Map.of(), b);
        ContainerIdentity id = b.build();
        assertEquals("app", id.name());
        assertEquals("api-0", id.podName());
        assertEquals("prod", id.podNamespace());
        assertEquals(UID, id.podUid());
        assertEquals("quay.io/acme/api", id.imageRepository());
        assertEquals("app", id.labels().get("io.kubernetes.container.name"));
    }

    @Test
    void plainContainerTellsNothing() {
        IdentityBuilder b = new IdentityBuilder("t1", "containerd", "t");
        KubernetesAnnotations.apply(Map.of("org.opencontainers.image.source", "x"), Map.of(), b);
        ContainerIdentity id = b.build();
        assertNull(id.name());
        assertNull(id.podName());
        assertNull(id.image());
    }
}
