package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import dev.vigil.runtime.api.ContainerdContainers.Container;
import org.junit.jupiter.api.Test;

/** What containerd's own record says of a container, by namespace (the real API: ContainerdIdentityIT). */
class ContainerdRecordIdentityTest {
    private static final String DOCKER_ID = "20e3e1a54c125982724d5ede9849aa44e171b0e1a2e57b9ca124740b34e0ee89";

    private static Container record(String id) {
        return Container.newBuilder().setId(id).setImage("registry.example/demo/probe:1.0")
            .setSpec(Any.newBuilder().setValue(ByteString.copyFromUtf8("{\"process\":{}}"))).build();
    }

    @Test
    void aCtrContainerIsNamedByItsId() throws Exception {
        ContainerIdentity c = ContainerdClient.identity("default", record("demo3"), id -> null);
        assertEquals("demo3", c.name());
        assertEquals("containerd", c.type());
        assertEquals("registry.example/demo/probe", c.imageRepository());
    }

    @Test
    void dockersRecordLeavesTheNameToDockerAndSaysDocker() throws Exception {
        // Seen by hand: with containerd ranked before Docker, a `docker run` alert read container=<64 hex>
        ContainerIdentity c = ContainerdClient.identity("moby", record(DOCKER_ID), id -> null);
        assertNull(c.name(), "Docker's name is the Engine API's to give");
        assertEquals("docker", c.type());
        assertEquals("registry.example/demo/probe", c.imageRepository());
    }
}
