package dev.vigil.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's root, from a test run in the module directory (Maven) or at the root (an IDE). */
public final class Repo {
    private Repo() {
    }

    public static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isDirectory(here.resolve("sensor")) ? here : here.getParent();
    }
}
