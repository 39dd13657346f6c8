package dev.vigil.runtime;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Specs shaped like the ones containerd 1.6 writes (ctr run, ctr run --privileged, CRI). */
class OciSpecTest {
    private static final String DEFAULT_CAPS = "\"CAP_CHOWN\",\"CAP_DAC_OVERRIDE\",\"CAP_FSETID\",\"CAP_FOWNER\","
        + "\"CAP_MKNOD\",\"CAP_NET_RAW\",\"CAP_SETGID\",\"CAP_SETUID\",\"CAP_SETFCAP\",\"CAP_SETPCAP\","
        + "\"CAP_NET_BIND_SERVICE\",\"CAP_SYS_CHROOT\",\"CAP_KILL\",\"CAP_AUDIT_WRITE\"";
    private static final String MASKED = "\"maskedPaths\":[\"/proc/acpi\",\"/proc/kcore\",\"/proc/keys\","
        + "\"/sys/firmware\"],\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/sys\"]";

    private static OciSpec spec(String caps, String linuxExtra, String annotations) throws IOException {
        String json = "{\"ociVersion\":\"1.0.2-dev\",\"process\":{\"args\":[\"sh\"],\"capabilities\":{"
            + "\"bounding\":[" + caps + "],\"effective\":[" + caps + "],\"permitted\":[" + caps + "]}},"
            + "\"root\":{\"path\":\"rootfs\"},\"annotations\":{" + annotations + "},"
            + "\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"}]" + linuxExtra + "}}";
        return OciSpec.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void defaultSpecIsNotPrivileged() throws IOException {
        assertEquals(Boolean.FALSE, spec(DEFAULT_CAPS, "," + MASKED, "").privileged());
    }

    @Test
    void sysAdminAddedButPathsStillMaskedIsNotPrivileged() throws IOException {
        assertEquals(Boolean.FALSE, spec(DEFAULT_CAPS + ",\"CAP_SYS_ADMIN\"", "," + MASKED, "").privileged());
    }

    @Test
    void allCapabilitiesAndNoMaskedPathsIsPrivileged() throws IOException {
        // As ctr run --privileged writes it on this VM: every capability the runtime holds (no CAP_SYS_RESOURCE
        // here), no maskedPaths/readonlyPaths keys at all.
        String all = DEFAULT_CAPS + ",\"CAP_DAC_READ_SEARCH\",\"CAP_LINUX_IMMUTABLE\",\"CAP_NET_BROADCAST\","
            + "\"CAP_NET_ADMIN\",\"CAP_IPC_LOCK\",\"CAP_IPC_OWNER\",\"CAP_SYS_MODULE\",\"CAP_SYS_RAWIO\","
            + "\"CAP_SYS_PTRACE\",\"CAP_SYS_PACCT\",\"CAP_SYS_ADMIN\",\"CAP_SYS_BOOT\",\"CAP_SYS_NICE\","
            + "\"CAP_SYS_TIME\",\"CAP_SYS_TTY_CONFIG\",\"CAP_LEASE\",\"CAP_AUDIT_CONTROL\",\"CAP_MAC_OVERRIDE\","
            + "\"CAP_MAC_ADMIN\",\"CAP_SYSLOG\",\"CAP_WAKE_ALARM\",\"CAP_BLOCK_SUSPEND\",\"CAP_AUDIT_READ\","
            + "\"CAP_PERFMON\",\"CAP_BPF\",\"CAP_CHECKPOINT_RESTORE\"";
        assertEquals(Boolean.TRUE, spec(all, "", "").privileged());
        assertEquals(Boolean.TRUE, spec(all, ",\"maskedPaths\":[],\"readonlyPaths\":[]", "").privileged());
    }

    @Test
    void specWithoutCapabilitiesCannotTell() throws IOException {
        assertNull(OciSpec.parse("{\"ociVersion\":\"1.0.2\",\"linux\":{}}".getBytes(StandardCharsets.UTF_8))
            .privileged());
        assertNull(OciSpec.parse(new byte[0]).privileged());
    }

    @Test
    void readsAnnotations() throws IOException {
        OciSpec s = spec(DEFAULT_CAPS, "," + MASKED,
            "\"io.kubernetes.cri.container-type\":\"container\",\"io.kubernetes.cri.sandbox-name\":\"web-0\"");
        assertEquals("container", s.annotations().get("io.kubernetes.cri.container-type"));
        assertEquals("web-0", s.annotations().get("io.kubernetes.cri.sandbox-name"));
    }

    @Test
    void malformedJsonIsAnIoException() {
        assertThrows(IOException.class, () -> OciSpec.parse("{\"process\":".getBytes(StandardCharsets.UTF_8)));
    }
}
