package dev.vigil.runtime;

import dev.vigil.testing.ContainerEngine;
import dev.vigil.testing.DockerDaemon;
import dev.vigil.testing.Integration;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link EngineClientContract} against a private dockerd started by {@link DockerDaemon}. */
class DockerEngineClientDockerIT extends EngineClientContract {
    private static DockerDaemon engine;

    @BeforeAll
    static void startEngine() {
        String missing = DockerDaemon.unavailableReason();
        Integration.requireOrSkip(missing == null, missing);
        String failure = null;
        try {
            engine = DockerDaemon.start();
        } catch (IOException e) {
            failure = e.getMessage();
        }
        Integration.requireOrSkip(failure == null, "a running dockerd on this kernel (" + failure + ")");
    }

    @AfterAll
    static void stopEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    @Override
    ContainerEngine engine() {
        return engine;
    }
}
