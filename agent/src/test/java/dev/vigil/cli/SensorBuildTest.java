package dev.vigil.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SensorBuildTest {
    @TempDir
    Path dir;

    /** A stand-in for sensor/: the wrapper script and a Makefile with the given recipe for build/vigil-sensor. */
    private Path sensorDir(String recipe) throws Exception {
        Path wrapper = dir.resolve("vigil-sensor");
        Files.writeString(wrapper, "#!/bin/sh\nexit 1\n");
        Files.setPosixFilePermissions(wrapper, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(dir.resolve("Makefile"), "build/vigil-sensor:\n" + recipe.indent(0).lines()
            .map(l -> "\t" + l + "\n").reduce("", String::concat));
        return wrapper;
    }

    private static void assumeMake() {
        assumeTrue(SensorBuild.onPath(System.getenv("PATH"), "make") != null, "make is not installed");
    }

    @Test
    void aFailedBuildIsReportedWithMakesFirstLinesAndTheInstallCommand() throws Exception {
        assumeMake();
        Path wrapper = sensorDir("@echo 'clang: not found' >&2\n@echo 'second line' >&2\n@exit 127");

        SensorBuild.Outcome o = SensorBuild.prepare(wrapper);

        assertNull(o.executable(), "nothing to start after a failed build");
        assertTrue(o.problem().startsWith("its build failed (clang: not found | second line | make: "), o.problem());
        assertTrue(o.problem().contains("; install: " + SensorBuild.INSTALL + ")"), o.problem());
    }

    @Test
    void aBuildThatSucceedsButMakesNoBinaryIsAFailure() throws Exception {
        assumeMake();
        Path wrapper = sensorDir("@true");

        SensorBuild.Outcome o = SensorBuild.prepare(wrapper);

        assertNull(o.executable());
        assertTrue(o.problem().startsWith("its build failed (make exited with status 0"), o.problem());
    }

    @Test
    void aSuccessfulBuildStartsTheBuiltBinaryNotTheWrapper() throws Exception {
        assumeMake();
        Path wrapper = sensorDir("@mkdir -p build\n@printf '#!/bin/sh\\n' > $@\n@chmod +x $@");

        SensorBuild.Outcome o = SensorBuild.prepare(wrapper);

        assertNull(o.problem());
        assertEquals(dir.resolve("build/vigil-sensor").toAbsolutePath(), o.executable().toAbsolutePath());
    }

    @Test
    void aBinaryWithoutMakefileIsStartedAsIs() throws Exception {
        Path binary = Files.writeString(dir.resolve("vigil-sensor"), "#!/bin/sh\n");

        SensorBuild.Outcome o = SensorBuild.prepare(binary);

        assertEquals(binary, o.executable());
        assertNull(o.problem());
    }

    @Test
    void theReportQuotesAtMostThreeNonBlankLinesAndNamesWhatIsMissing() {
        String s = SensorBuild.buildFailed(2, List.of("", "a", "  ", "b", "c", "d"), List.of("clang", "bpftool"));

        assertEquals("its build failed (a | b | c; missing: clang bpftool; install: " + SensorBuild.INSTALL + ")", s);
    }

    @Test
    void missingListsAToolAbsentFromPath() throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("make", "gcc", "bpftool")) {
            Path t = Files.writeString(bin.resolve(tool), "#!/bin/sh\n");
            Files.setPosixFilePermissions(t, PosixFilePermissions.fromString("rwxr-xr-x"));
        }

        List<String> missing = SensorBuild.missing(bin.toString());

        assertTrue(missing.contains("clang"), missing.toString());
        assertTrue(!missing.contains("make") && !missing.contains("gcc") && !missing.contains("bpftool"),
            missing.toString());
    }
}
