package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.testing.FakeProcRoot;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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
        CommandLine cl = new CommandLine(new PostureCommand());
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
}
