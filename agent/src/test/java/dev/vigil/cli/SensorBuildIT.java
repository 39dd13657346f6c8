package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.AgentProcess;
import dev.vigil.testing.Integration;
import dev.vigil.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command on a machine without the sensor's compiler: a copy of the real
 * {@code sensor/} built by the agent with a PATH that has make, gcc and bpftool but no clang. The log
 * must say the sensor was not started and why, never that it started.
 */
class SensorBuildIT {
    @TempDir
    Path dir;

    /** A PATH with the build's tools except clang, and what the agent and make need besides. */
    private Path pathWithoutClang() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("make", "gcc", "cc", "bpftool", "sh", "mkdir", "setpriv")) {
            Path real = SensorBuild.onPath(System.getenv("PATH"), tool);
            if (real != null) {
                Files.createSymbolicLink(bin.resolve(tool), real);
            }
        }
        return bin;
    }

    private Path sensorCopy() throws Exception {
        Path src = Repo.root().resolve("sensor");
        Path copy = Files.createDirectories(dir.resolve("sensor"));
        for (String f : List.of("Makefile", "vigil-sensor")) {
            Files.copy(src.resolve(f), copy.resolve(f), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.createDirectories(copy.resolve("src"));
        try (var files = Files.list(src.resolve("src"))) {
            for (Path f : files.toList()) {
                Files.copy(f, copy.resolve("src").resolve(f.getFileName()));
            }
        }
        return copy.resolve("vigil-sensor");
    }

    private List<String> launcher() throws Exception {
        return List.of("env", "PATH=" + pathWithoutClang(), "VIGIL_SENSOR=" + sensorCopy());
    }

    private List<String> args(String mode) throws Exception {
        Path cfg = dir.resolve("config.yaml");
        Path run = Files.createDirectories(dir.resolve("run"));
        Files.writeString(cfg, "ingest:\n  socket: " + run.resolve("vigil.sock") + "\nstate:\n  stateDir: "
            + dir.resolve("state") + "\n");
        return List.of("--config", cfg.toString(), "--sensor", mode);
    }

    private static void requireRootAndMake() {
        Integration.requireOrSkip(Integration.isRoot(), "root (the agent starts the sensor only as root)");
        Integration.requireOrSkip(Files.exists(Path.of("/sys/kernel/btf/vmlinux")), "kernel BTF");
        Integration.requireOrSkip(Integration.onPath("make") && Integration.onPath("bpftool"), "make and bpftool");
    }

    @Test
    void autoRunsWithoutTheSensorAndSaysItsBuildFailed() throws Exception {
        requireRootAndMake();
        try (AgentProcess agent = AgentProcess.start(dir, launcher(), List.of("-Xmx128m"), args("auto"))) {
            agent.awaitReady(Duration.ofSeconds(120));
            String logs = agent.logs();
            assertTrue(logs.contains("sensor not started: its build failed ("), logs);
            assertTrue(logs.contains("clang"), "make's error names the missing compiler:\n" + logs);
            assertTrue(logs.contains("install: " + SensorBuild.INSTALL), logs);
            assertFalse(logs.contains("started the sensor"), logs);
            assertEquals(0, agent.terminate(Duration.ofSeconds(30)));
        }
    }

    @Test
    void onFailsWhenTheSensorCannotBeBuilt() throws Exception {
        requireRootAndMake();
        try (AgentProcess agent = AgentProcess.start(dir, launcher(), List.of("-Xmx128m"), args("on"))) {
            assertTrue(agent.process().waitFor(120, TimeUnit.SECONDS), "the agent did not exit");
            String logs = agent.logs();
            assertEquals(1, agent.process().exitValue(), logs);
            assertTrue(logs.contains("cannot start the sensor: its build failed ("), logs);
        }
    }

    @Test
    void onExitsWhenTheSensorDiesBeforeAttaching() throws Exception {
        requireRootAndMake();
        Path bin = Files.createDirectories(dir.resolve("prebuilt")).resolve("vigil-sensor");
        Files.writeString(bin, "#!/bin/sh\necho 'vigil-sensor: cannot load the BPF programs: refused here' >&2\nexit 1\n");
        Files.setPosixFilePermissions(bin, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (AgentProcess agent = AgentProcess.start(dir, List.of("env", "VIGIL_SENSOR=" + bin), List.of("-Xmx128m"),
            args("on"))) {
            assertTrue(agent.process().waitFor(120, TimeUnit.SECONDS), "the agent did not exit");
            String logs = agent.logs();
            assertEquals(1, agent.process().exitValue(), logs);
            assertTrue(logs.contains("sensor not started: it exited before attaching (pid "), logs);
            assertTrue(logs.contains("cannot load the BPF programs: refused here)"), logs);
            assertFalse(logs.contains("started the sensor"), logs);
        }
    }
}
