package dev.vigil.posture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.FakeProcRoot;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostureScannerTest {
    @TempDir
    Path tmp;

    @Test
    void findsPrivilegedExtraCapsAndUnlimitedContainers() {
        String a = "/docker/" + FakeProcRoot.DOCKER_ID_A;
        String b = "/docker/" + FakeProcRoot.DOCKER_ID_B;
        FakeProcRoot fake = new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")            // host: never a finding
            .process(10, 1, "sleep", 0x1ffffffffffL, a, "sleep", "300")              // privileged
            .process(20, 1, "mounter", 0xa80425fbL | (1L << 21), b, "mounter")       // + CAP_SYS_ADMIN
            .process(21, 20, "web", 0xa80425fbL, b, "web")                           // default set
            .pidsMax(a, "max")
            .pidsMax(b, "40");
        PostureReport r = new PostureScanner(fake.procRoot(), fake.cgroupRoot()).scan();

        assertEquals("0x000001ffffffffff", r.fullCapabilitySet());
        assertEquals(4, r.processesScanned());
        assertEquals(1, r.privilegedProcesses().size());
        assertEquals(10, r.privilegedProcesses().get(0).pid());
        assertEquals("3f1c0a9e2b7d", r.privilegedProcesses().get(0).containerId());
        assertEquals(1, r.capabilitiesBeyondDefault().size());
        PostureReport.ProcessFinding f = r.capabilitiesBeyondDefault().get(0);
        assertEquals(20, f.pid());
        assertEquals(List.of("CAP_SYS_ADMIN"), f.extraCapabilities());
        assertEquals("0x00000000a82425fb", f.capEffective());
        assertEquals(1, r.containersWithoutPidsLimit().size());
        assertEquals("3f1c0a9e2b7d", r.containersWithoutPidsLimit().get(0).containerId());
        assertEquals(-1L, r.containersWithoutPidsLimit().get(0).pidsLimit());
        assertEquals(2, r.containers().size());
        PostureReport.ContainerPosture cb = r.containers().get(1);
        assertEquals("9b2e4c6a8d0f", cb.containerId());
        assertEquals(40L, cb.pidsLimit());
        assertEquals(2, cb.processes());
        assertTrue(r.containers().get(0).privileged());
    }
}
