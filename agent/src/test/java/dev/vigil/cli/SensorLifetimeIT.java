package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bundled sensor does not outlive the agent that started it, even when the agent dies without its
 * shutdown (SIGKILL: the OOM killer, {@code kill -9}): an orphan would keep its programs attached and,
 * once an agent is started again on the same socket next to a new sensor, deliver every event twice.
 */
class SensorLifetimeIT {
    private static final Pattern LAUNCHED = Pattern.compile("launched the sensor \\S+ \\(pid (\\d+)\\)");

    @TempDir
    Path dir;

    @Test
    void theSensorExitsWhenTheAgentIsKilled() throws Exception {
        Integration.requireOrSkip(Integration.isRoot(), "root (eBPF)");
        Integration.requireSensorBuildOrSkip();
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.setPosixFilePermissions(run, PosixFilePermissions.fromString("rwx------"));
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "ingest:\n  socket: " + run.resolve("vigil.sock") + "\nstate:\n  stateDir: "
            + dir.resolve("state") + "\n");
        long sensorPid = -1;
        try (AgentProcess agent = AgentProcess.start(dir, List.of("-Xmx256m"),
            List.of("--config", cfg.toString(), "--sensor", "on"))) {
            agent.awaitReady(Duration.ofSeconds(120)); // the first start builds the sensor
            agent.awaitSensorRunning(Duration.ofSeconds(120));
            Matcher m = LAUNCHED.matcher(agent.logs());
            assertTrue(m.find(), "the log names the sensor's pid:\n" + agent.logs());
            sensorPid = Long.parseLong(m.group(1));
            assertTrue(running(sensorPid), "the sensor runs while the agent does");
            // Issue 16, finding 6: the agent is no longer root; the sensor is (real uid too: a changed real uid
            // would make its exec "secure" and lose the parent-death signal), and its stdin is a pipe whose
            // write end only the agent holds: the kernel closes it when the agent dies, and the sensor stops.
            long agentPid = agent.process().pid();
            assertTrue(!uidLine(agentPid).startsWith("0\t"), "the agent's uids: " + uidLine(agentPid));
            assertEquals("0\t0\t0\t0", uidLine(sensorPid), "the sensor's real, effective, saved, fs uid");
            String stdin = Files.readSymbolicLink(Path.of("/proc/" + sensorPid + "/fd/0")).toString();
            assertTrue(stdin.startsWith("pipe:"), "the sensor's stdin: " + stdin);
            assertTrue(holds(agentPid, stdin), "the agent holds the other end of " + stdin);
            System.out.printf("agent uid %s, sensor uid %s, sensor stdin %s held by the agent%n",
                uidLine(agentPid).split("\t")[0], uidLine(sensorPid).split("\t")[0], stdin);

            agent.process().destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs

            long gone = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (running(sensorPid) && System.nanoTime() < gone) {
                Thread.sleep(100);
            }
            assertTrue(!running(sensorPid), "the sensor (pid " + sensorPid + ") outlived its agent by 10 s");
        } finally {
            if (sensorPid > 0 && running(sensorPid)) {
                ProcessHandle.of(sensorPid).ifPresent(ProcessHandle::destroy); // ours: do not leave it attached
            }
        }
    }

    private static String uidLine(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.startsWith("Uid:"))
            .findFirst().orElseThrow().substring(4).trim();
    }

    /** Whether {@code pid} has a descriptor on {@code target} (a link text such as pipe:[123]). */
    private static boolean holds(long pid, String target) throws IOException {
        try (var fds = Files.newDirectoryStream(Path.of("/proc/" + pid + "/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).toString().equals(target)) {
                        return true;
                    }
                } catch (IOException e) {
                    // closed meanwhile
                }
            }
        }
        return false;
    }

    /** True while {@code pid} exists and has not exited (a zombie has: its parent is gone, nobody reaps it). */
    private static boolean running(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            // The state follows the command's closing parenthesis: "pid (comm) S ..."
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException e) {
            return false;
        }
    }
}
