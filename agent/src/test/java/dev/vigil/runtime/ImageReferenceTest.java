package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ImageReferenceTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(nullValues = "-", value = {
        "busybox,                                   busybox,                   latest, -",
        "busybox:1.36,                              busybox,                   1.36,   -",
        "docker.io/library/nginx:1.25,              docker.io/library/nginx,   1.25,   -",
        "registry.example/vigil/probe:1.0,          registry.example/vigil/probe, 1.0, -",
        "registry:5000/a/b:tag,                     registry:5000/a/b,         tag,    -",
        "registry:5000/a/b,                         registry:5000/a/b,         latest, -",
        "repo@sha256:0123abcd,                      repo,                      -,      sha256:0123abcd",
        "registry:5000/repo:1.0@sha256:0123abcd,    registry:5000/repo,        1.0,    sha256:0123abcd",
    })
    void splitsRepositoryTagAndDigest(String reference, String repository, String tag, String digest) {
        assertEquals(new ImageReference(repository, tag, digest), ImageReference.parse(reference));
    }

    @Test
    void blankReferenceIsUnknown() {
        assertNull(ImageReference.parse(""));
        assertNull(ImageReference.parse(null));
    }
}
