package dev.vigil.runtime;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ImageReferenceTest {
    private static final String D = "sha256:6d5dbd3b2f8a2b6a6b7b0b6d3c1e4f5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4";

    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
        "docker.io/library/busybox:1.36,        docker.io/library/busybox,  1.36,   -",
        "registry:5000/a/b:tag,                 registry:5000/a/b,          tag,    -",
        "registry:5000/a/b,                     registry:5000/a/b,          latest, -",
        "localhost:5000/probe,                  localhost:5000/probe,       latest, -",
        "busybox,                               busybox,                    latest, -",
        "registry.example/vigil/probe:1.0,      registry.example/vigil/probe, 1.0,  -",
        "quay.io/org/app@" + D + ",             quay.io/org/app,            -,      " + D,
        "quay.io/org/app:v2@" + D + ",          quay.io/org/app,            v2,     " + D,
        "registry:5000/a/b:tag@" + D + ",       registry:5000/a/b,          tag,    " + D,
        D + ",                                  -,                          -,      " + D,
    })
    void splitsRepositoryTagAndDigest(String ref, String repository, String tag, String digest) {
        ImageReference r = ImageReference.parse(ref);
        assertEquals(repository, r.repository(), "repository");
        assertEquals(tag, r.tag(), "tag");
        assertEquals(digest, r.digest(), "digest");
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"-", "'  '"})
    void unknownReferenceIsAllNull(String ref) {
        assertEquals(new ImageReference(null, null, null), ImageReference.parse(ref));
    }
}
