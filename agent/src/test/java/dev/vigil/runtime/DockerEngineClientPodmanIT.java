package dev.vigil.runtime;

import dev.vigil.testing.ContainerEngine;
import dev.vigil.testing.PodmanService;
import dev.vigil.testing.Integration;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link EngineClientContract} against a private podman started by {@link PodmanService}. */
class DockerEngineClientPodmanIT extends EngineClientContract {
    private static PodmanService engine;

    @BeforeAll
    static void startEngine() {
        String missing = PodmanService.unavailableReason();
        Integration.requireOrSkip(missing == null, missing);
        String failure = null;
        try {
            engine = PodmanService.start();
        } catch (IOException e) {
            failure = e.getMessage();
        }
        Integration.requireOrSkip(failure == null, "a running podman on this kernel (" + failure + ")");
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
