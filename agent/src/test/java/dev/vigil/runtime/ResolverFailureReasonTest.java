package dev.vigil.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The Engine API clients report plain I/O errors: each is counted under the reason an operator acts on. */
class ResolverFailureReasonTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "no socket at /var/run/docker.sock|UNAVAILABLE",
        "cannot connect to /run/podman/podman.sock: connect(..) failed: Connection refused|UNAVAILABLE",
        "cannot connect to /var/run/docker.sock: connect(..) failed: Permission denied|PERMISSION_DENIED",
        "GET /containers/json on /var/run/docker.sock timed out after 2000 ms|TIMEOUT",
        "GET /containers/json on /var/run/docker.sock: HTTP 500|OTHER",
    })
    void classifiesEngineClientErrors(String message, RuntimeCallException.Reason expected) {
        assertEquals(expected, RuntimeIdentityResolver.reasonOf(new IOException(message)));
    }
}
