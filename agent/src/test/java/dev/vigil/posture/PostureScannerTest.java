package dev.vigil.posture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.rules.RulesetLoader;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.testing.FakeProcRoot;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

    private static ContainerIdentity identity(String id, String repository, String tag) {
        return new ContainerIdentity(id, "docker", "c", repository + ":" + tag, repository, tag, null, null, Map.of(),
            null, null, null, Map.of(), "docker");
    }

    /** Two containers with the Docker socket mounted (alerts by default); a's image is a trusted node agent's. */
    private FakeProcRoot socketMountedContainers() {
        String a = "/docker/" + FakeProcRoot.DOCKER_ID_A;
        String b = "/docker/" + FakeProcRoot.DOCKER_ID_B;
        String socketMounted = """
            700 600 254:0 /srv/b/rootfs / ro - ext4 /dev/vda rw
            702 700 0:25 /docker.sock /var/run/docker.sock rw - tmpfs tmpfs rw
            """;
        return new FakeProcRoot(tmp)
            .process(1, 0, "systemd", 0x1ffffffffffL, "/", "/sbin/init")
            .procFile("1/mountinfo", """
                27 1 254:0 / / rw,relatime - ext4 /dev/vda rw
                25 27 0:25 / /run rw,nosuid - tmpfs tmpfs rw
                """)
            .process(10, 1, "calico-node", 0xa80425fbL, a, "calico-node").procFile("10/mountinfo", socketMounted)
            .process(20, 1, "web", 0xa80425fbL, b, "web").procFile("20/mountinfo", socketMounted);
    }

    /** runtime_socket's {@code alerts} per container id. */
    private static Map<String, Boolean> socketAlerts(PostureReport r) {
        Map<String, Boolean> out = new TreeMap<>();
        for (PostureReport.SandboxFinding f : r.sandboxFindings()) {
            if (f.finding().equals("runtime_socket")) {
                out.put(f.containerId(), f.alerts());
            }
        }
        return out;
    }

    @Test
    void aTrustedImageNeverAlertsAsTheAgentsRulesSay() {
        FakeProcRoot fake = socketMountedContainers();
        Map<String, ContainerIdentity> ids = Map.of(
            "3f1c0a9e2b7d", identity(FakeProcRoot.DOCKER_ID_A, "docker.io/calico/node", "v3.27.0"),
            "9b2e4c6a8d0f", identity(FakeProcRoot.DOCKER_ID_B, "registry.example/shop/web", "1.4.2"));
        // the shipped ruleset's list, as the agent loads it: no second list here
        Set<String> trusted = new HashSet<>(RulesetLoader.forCheck().load(List.of(), true)
            .list("vigil_posture_trusted_images"));
        assertTrue(trusted.contains("docker.io/calico/node"), trusted.toString());

        PostureReport r = new PostureScanner(fake.procRoot(), fake.cgroupRoot(), ids::get, Set.of(), trusted).scan();
        assertEquals(Map.of("3f1c0a9e2b7d", false, "9b2e4c6a8d0f", true), socketAlerts(r), r.sandboxFindings().toString());
        assertEquals("docker.io/calico/node:v3.27.0", r.sandboxFindings().stream()
            .filter(f -> f.containerId().equals("3f1c0a9e2b7d")).findFirst().orElseThrow().image(),
            "still reported, with its image: posture, not an alert");

        PostureReport unknown = new PostureScanner(fake.procRoot(), fake.cgroupRoot(), id -> null, Set.of(), trusted).scan();
        assertEquals(Map.of("3f1c0a9e2b7d", true, "9b2e4c6a8d0f", true), socketAlerts(unknown),
            "an image identity does not know is trusted by nothing");
    }
}
