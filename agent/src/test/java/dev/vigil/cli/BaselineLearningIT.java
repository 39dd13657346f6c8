package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.PrivateContainerd;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A baseline learned from real containers (the bundled sensor, containerd's {@code ctr run}): what each
 * container's entrypoint runs during the learning period is learned under its image — also for the first
 * container after the agent's start, whose image the runtime names only after its first events — and
 * nothing from it is taken for a suspect (its grant is the runtime's default set, not the full set the
 * OCI runtime's init held); after the period the same programs stay silent and a new one fires, named.
 */
class BaselineLearningIT {
    private static final String RULE = "Image program";
    private static final String RULES = """
        - rule: Image program
          desc: the programs each image runs, learned in the node's first 25 seconds
          condition: evt.type = execve and container.id != host
          output: Image program (image=%container.image.repository proc=%proc.name container=%container.name)
          priority: NOTICE
          tags: [baseline_it]
          baseline:
            key: [container.image.repository, proc.name]
            learn: 25s
        - rule: Entrypoint grant
          desc: what the rules stage holds as each container's grant, on its entrypoint
          condition: evt.type = execve and container.id != host and proc.name = true
          output: Entrypoint grant (granted=%container.cap_granted container=%container.name)
          priority: INFORMATIONAL
          tags: [baseline_it]
        """;

    @TempDir
    Path dir;

    @Test
    void containersTeachTheirImageAndANewProgramFiresAfterThePeriod() throws Exception {
        Path afpacket = IdentityEndToEndIT.requirementsAndAttack();

        try (PrivateContainerd containerd = PrivateContainerd.start(List.of(afpacket))) {
            Path run = Files.createDirectories(dir.resolve("run"));
            Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
            Path rules = Files.writeString(dir.resolve("rules.yaml"), RULES);
            Path cfg = Files.writeString(dir.resolve("config.yaml"), String.join("\n",
                "ingest: {socket: " + run.resolve("vigil.sock") + "}",
                "state: {stateDir: " + dir.resolve("state") + "}",
                "runtime: {sources: [containerd], containerdSocket: " + containerd.socket() + "}",
                "rules: {includeDefault: false, paths: [" + rules + "]}",
                "alerts: {dedupPeriodSeconds: 0}",
                ""));
            try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
                List.of("--config", cfg.toString(), "--sensor", "on"))) {
                agent.awaitReady(Duration.ofSeconds(120));
                awaitLog(agent, "vigil-sensor: running");
                long start = System.nanoTime();
                String tag = Long.toHexString(System.nanoTime() & 0xffffff);
                // In the period: the first container after the start, then two more, each running `true`.
                List<String> learners = List.of("learn-a-" + tag, "learn-b-" + tag, "learn-c-" + tag);
                for (String name : learners) {
                    containerd.ctr("default", "run", "--rm", PrivateContainerd.IMAGE, name, "/bin/true");
                }
                assertTrue(System.nanoTime() - start < Duration.ofSeconds(20).toNanos(),
                    "the learners ran inside the 25 s period");
                List<JsonNode> grants = agent.awaitAlerts(List.of(a -> a.path("rule").asText().equals("Entrypoint grant")
                    && name(a).equals(learners.get(2))), Duration.ofSeconds(60));
                for (JsonNode g : grants) {
                    if (g.path("rule").asText().equals("Entrypoint grant")) {
                        String granted = g.path("output_fields").path("container.cap_granted").asText();
                        assertFalse(granted.contains("CAP_SYS_ADMIN"), "a default container's grant is the runtime's "
                            + "default set, not the full set its init held: " + g);
                    }
                }
                // After the period: the learned program stays silent, a new one fires; the period's summary
                // comes with the first baseline match after it.
                long left = start + Duration.ofSeconds(27).toNanos() - System.nanoTime();
                if (left > 0) {
                    Thread.sleep(left / 1_000_000);
                }
                String after = "after-" + tag;
                String attack = "attack-" + tag;
                containerd.ctr("default", "run", "--rm", PrivateContainerd.IMAGE, after, "/bin/true");
                containerd.ctr("default", "run", "--rm", PrivateContainerd.IMAGE, attack, "/bin/afpacket");
                List<JsonNode> all = agent.awaitAlerts(List.of(
                    a -> a.path("rule").asText().equals(RULE) && name(a).equals(attack),
                    a -> a.path("rule").asText().equals("Baseline learned")), Duration.ofSeconds(60));
                JsonNode summary = all.stream().filter(a -> a.path("rule").asText().equals("Baseline learned"))
                    .findFirst().orElseThrow();
                assertEquals("true", summary.path("output_fields").path("baseline.tuples").asText(),
                    "`true`, and only it, was learned under the image: " + summary);
                assertEquals(0, summary.path("output_fields").path("baseline.suspect_alerted").asInt(), summary.toString());
                List<String> fired = new ArrayList<>();
                for (JsonNode a : all) {
                    // other containers on the node (unnamed: no image to learn by) fire; only this test's count
                    if (a.path("rule").asText().equals(RULE) && name(a).endsWith(tag)) {
                        fired.add(name(a) + " " + a.path("output_fields").path("proc.name").asText());
                    }
                }
                assertEquals(List.of(attack + " afpacket"), fired,
                    "only the new program fired, with its container named; none of the learners' or the later `true`");
                JsonNode alert = all.stream().filter(a -> name(a).equals(attack) && a.path("rule").asText().equals(RULE))
                    .findFirst().orElseThrow();
                assertEquals("registry.example/vigil/probe",
                    alert.path("output_fields").path("container.image.repository").asText(), alert.toString());
                String metrics = agent.metrics();
                System.out.printf("baseline from real containers: %d learners silent, 1 new program fired; "
                    + "late-judged silenced %.0f, fired %.0f%n", learners.size(),
                    AgentProcess.sample(metrics, "vigil_alerts_baseline_late_judged_total", "result=\"silenced\""),
                    AgentProcess.sample(metrics, "vigil_alerts_baseline_late_judged_total", "result=\"fired\""));
                assertEquals(0, agent.terminate(Duration.ofSeconds(30)), agent.logs());
            }
        }
    }

    private static String name(JsonNode alert) {
        return alert.path("output_fields").path("container.name").asText();
    }

    private static void awaitLog(AgentProcess agent, String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (!agent.logs().contains(text)) {
            assertTrue(System.nanoTime() < deadline, "never logged '" + text + "':\n" + agent.logs());
            Thread.sleep(200);
        }
    }
}
