package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.testing.FakeProcRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class PostureCommandTest {
    @TempDir
    Path tmp;
    FakeProcRoot fake;
    final StringWriter out = new StringWriter();

    @BeforeEach
    void setUp() {
        String a = "/docker/" + FakeProcRoot.DOCKER_ID_A;
        fake = new FakeProcRoot(tmp).process(10, 1, "sleep", 0x1ffffffffffL, a, "sleep", "300").pidsMax(a, "max");
    }

    private int run(String... extra) {
        return run(new PostureCommand(), extra);
    }

    private int run(PostureCommand command, String... extra) {
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        String[] args = new String[extra.length + 4];
        args[0] = "--proc-root";
        args[1] = fake.procRoot();
        args[2] = "--cgroup-root";
        args[3] = fake.cgroupRoot();
        System.arraycopy(extra, 0, args, 4, extra.length);
        return cl.execute(args);
    }

    @Test
    void printsTextFindings() {
        assertEquals(0, run());
        String text = out.toString();
        assertTrue(text.contains("privileged: pid=10 name=sleep container=3f1c0a9e2b7d cap_effective=0x000001ffffffffff"), text);
        assertTrue(text.contains("no-pids-limit: container=3f1c0a9e2b7d processes=1"), text);
    }

    @Test
    void printsJson() throws Exception {
        assertEquals(0, run("--json"));
        JsonNode json = new ObjectMapper().readTree(out.toString());
        assertEquals(10, json.get("privileged_processes").get(0).get("pid").asInt());
        assertEquals("3f1c0a9e2b7d", json.get("containers_without_pids_limit").get(0).get("container_id").asText());
        assertEquals(-1, json.get("containers").get(0).get("pids_limit").asInt());
    }

    /** The container the runtime knows, by the short id the cgroup gives. */
    private PostureCommand withRuntime() {
        PostureCommand c = new PostureCommand();
        ContainerIdentity web = new ContainerIdentity(FakeProcRoot.DOCKER_ID_A, "docker", "web",
            "registry.example/shop/web:1.4.2", "registry.example/shop/web", "1.4.2", null, true, Map.of(),
            "web-7d9f", "shop", "uid-1", Map.of(), "docker");
        c.identities = id -> id.equals("3f1c0a9e2b7d") ? web : null;
        return c;
    }

    @Test
    void namesImagePodAndNamespaceWhenTheRuntimeKnowsThem() {
        assertEquals(0, run(withRuntime()));
        String text = out.toString();
        assertTrue(text.contains("privileged: pid=10 name=sleep container=3f1c0a9e2b7d image=registry.example/shop/web:1.4.2 "
            + "pod=web-7d9f namespace=shop cap_effective=0x000001ffffffffff"), text);
        assertTrue(text.contains("no-pids-limit: container=3f1c0a9e2b7d image=registry.example/shop/web:1.4.2 pod=web-7d9f "
            + "namespace=shop processes=1"), text);
    }

    @Test
    void jsonCarriesImagePodAndNamespaceNullWhenUnknown() throws Exception {
        assertEquals(0, run(withRuntime(), "--json"));
        JsonNode known = new ObjectMapper().readTree(out.toString());
        JsonNode p = known.get("privileged_processes").get(0);
        assertEquals("registry.example/shop/web:1.4.2", p.get("image").asText());
        assertEquals("web-7d9f", p.get("pod").asText());
        assertEquals("shop", p.get("namespace").asText());
        assertEquals("shop", known.get("containers").get(0).get("namespace").asText());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--json"));
        JsonNode unknown = new ObjectMapper().readTree(out.toString()).get("privileged_processes").get(0);
        assertTrue(unknown.get("image").isNull() && unknown.get("pod").isNull() && unknown.get("namespace").isNull(),
            unknown.toString());
        assertTrue(!out.toString().contains("<NA>"), "never a placeholder");
    }
}
