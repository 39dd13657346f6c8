package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ImageDigestsTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void choosesTheContainersRepositoryThenTheOnlyOne() {
        String[] two = {"mirror/x@" + A, "registry:5000/x@" + B};
        assertEquals(B, ImageDigests.choose(two, "registry:5000/x"));
        assertNull(ImageDigests.choose(two, "elsewhere/x"), "two others: which one is not known");
        assertEquals(A, ImageDigests.choose(new String[] {"mirror/x@" + A}, "elsewhere/x"));
        assertNull(ImageDigests.choose(new String[] {"broken", "@", "x@"}, "x"));
        assertNull(ImageDigests.choose(new String[0], "x"));
    }

    @Test
    void failedLookupIsAskedAgainButAnAnswerIsKept() {
        AtomicInteger calls = new AtomicInteger();
        ObjectMapper json = new ObjectMapper();
        ImageDigests digests = new ImageDigests(id -> {
            if (calls.incrementAndGet() == 1) {
                throw new IOException("daemon busy");
            }
            return json.readTree("{\"RepoDigests\":[\"x@" + A + "\"]}");
        });

        assertNull(digests.digest("sha256:1", "x"));
        assertEquals(A, digests.digest("sha256:1", "x"));
        assertEquals(A, digests.digest("sha256:1", "x"));
        assertEquals(2, calls.get());
    }
}
