package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.testing.FakeProcRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
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

    /** The sandbox finding of container A's workload (pid 10), from the JSON report. */
    private JsonNode sandboxFinding(String finding) throws Exception {
        for (JsonNode f : new ObjectMapper().readTree(out.toString()).get("sandbox_findings")) {
            if (f.get("finding").asText().equals(finding)) {
                return f;
            }
        }
        throw new AssertionError("no " + finding + " in " + out);
    }

    @Test
    void alertsFollowTheConfigsPostureAlertOn() throws Exception {
        // pid 10 runs as root, no user namespace, no_new_privs unset: both posture only by default
        assertEquals(0, run("--json"));
        assertEquals(false, sandboxFinding("no_new_privs_off").get("alerts").asBoolean());
        assertEquals(false, sandboxFinding("root_without_userns").get("alerts").asBoolean());

        Path config = tmp.resolve("config.yaml");
        Files.writeString(config, "posture:\n  alertOn: [no_new_privs_off]\n");
        out.getBuffer().setLength(0);
        assertEquals(0, run("--json", "--config", config.toString()));
        assertEquals(true, sandboxFinding("no_new_privs_off").get("alerts").asBoolean());
        assertEquals(false, sandboxFinding("root_without_userns").get("alerts").asBoolean());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--config", config.toString()));
        String text = out.toString();
        assertTrue(text.contains("no-new-privs-off: container=3f1c0a9e2b7d pid=10 no_new_privs=false (alerts)"), text);
        assertTrue(text.contains("root-without-userns: container=3f1c0a9e2b7d pid=10 uid=0 userns=false\n"), text);
    }

    @Test
    void aUsersRuleFileAppendingToTheTrustedImagesIsHonoured() throws Exception {
        Path config = tmp.resolve("config.yaml");
        Files.writeString(config, "posture:\n  alertOn: [no_new_privs_off]\n");
        assertEquals(0, run(withRuntime(), "--json", "--config", config.toString()));
        assertEquals(true, sandboxFinding("no_new_privs_off").get("alerts").asBoolean(), "not trusted by the shipped list");

        Path rules = tmp.resolve("local_rules.yaml");
        Files.writeString(rules, """
            - list: vigil_posture_trusted_images
              items: [registry.example/shop/web]
              override: {items: append}
            """);
        Files.writeString(config, "posture:\n  alertOn: [no_new_privs_off]\nrules:\n  paths: [" + rules + "]\n");
        out.getBuffer().setLength(0);
        assertEquals(0, run(withRuntime(), "--json", "--config", config.toString()));
        JsonNode f = sandboxFinding("no_new_privs_off");
        assertEquals(false, f.get("alerts").asBoolean(), "the agent with these rules alerts nothing for the image: " + f);
        assertEquals("registry.example/shop/web:1.4.2", f.get("image").asText());

        out.getBuffer().setLength(0);
        assertEquals(0, run("--json", "--config", config.toString()));
        assertEquals(true, sandboxFinding("no_new_privs_off").get("alerts").asBoolean(),
            "where identity does not know the image, nothing is trusted");
    }

    @Test
    void rulesWithErrorsAreAUsageErrorAsTheyStopTheAgent() throws Exception {
        Path rules = tmp.resolve("bad_rules.yaml");
        Files.writeString(rules, "- list: vigil_unknown_list\n  items: [x]\n  override: {items: append}\n");
        Path config = tmp.resolve("config.yaml");
        Files.writeString(config, "rules:\n  paths: [" + rules + "]\n");
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PostureCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("--config", config.toString()));
        assertTrue(err.toString().contains("rules have errors") && err.toString().contains("vigil_unknown_list"),
            err.toString());
    }

    @Test
    void scansTheConfigsProcRootWithoutTheFlag() throws Exception {
        Path config = tmp.resolve("config.yaml");
        Files.writeString(config, "state:\n  procRoot: " + fake.procRoot() + "\n  cgroupRoot: " + fake.cgroupRoot() + "\n");
        CommandLine cl = new CommandLine(new PostureCommand());
        cl.setOut(new PrintWriter(out));
        assertEquals(0, cl.execute("--config", config.toString()));
        assertTrue(out.toString().contains("privileged: pid=10 name=sleep container=3f1c0a9e2b7d"), out.toString());
    }

    @Test
    void aBadConfigIsAUsageError() throws Exception {
        Path config = tmp.resolve("config.yaml");
        Files.writeString(config, "posture:\n  alertOn: [host_pid]\n"); // alerts already: not an optional finding
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PostureCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        assertEquals(2, cl.execute("--config", config.toString()));
        assertTrue(err.toString().contains("posture.alertOn: unknown finding host_pid"), err.toString());
    }
}
