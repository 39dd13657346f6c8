package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What Vigil reads from an OCI runtime spec ({@code config.json}, or the JSON in containerd's container
 * record): its annotations, and whether it describes a privileged container. Immutable.
 *
 * <p><b>Privileged</b>, decided from the spec alone (the runtimes write no "privileged" flag into it): the
 * bounding capability set holds {@code CAP_SYS_ADMIN} <em>and</em> the spec masks no paths
 * ({@code linux.maskedPaths} and {@code linux.readonlyPaths} absent or empty). containerd's and CRI-O's
 * privileged mode (and {@code ctr run --privileged}) grant every capability the runtime holds and drop
 * the masked and read-only paths; their default specs mask {@code /proc/kcore} and friends. A count of
 * capabilities would be fragile (this VM's bounding set lacks {@code CAP_SYS_RESOURCE}, so "all" is 40 here),
 * and a container that only adds {@code CAP_SYS_ADMIN} keeps its masked paths, so it is not called
 * privileged. Null when the spec has no {@code process} or {@code linux} section.
 *
 * @param annotations the spec's annotations (empty when none)
 * @param privileged  as above; null when the spec cannot tell
 */
public record OciSpec(Map<String, String> annotations, Boolean privileged) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public OciSpec {
        annotations = annotations != null ? Map.copyOf(annotations) : Map.of();
    }

    static final OciSpec EMPTY = new OciSpec(Map.of(), null);

    /** Parses the spec's JSON; malformed JSON is an {@link IOException}. */
    public static OciSpec parse(byte[] json) throws IOException {
        if (json == null || json.length == 0) {
            return EMPTY;
        }
        return of(JSON.readTree(json));
    }

    /** Reads an already parsed spec (e.g. the {@code runtimeSpec} inside a CRI verbose status). */
    public static OciSpec of(JsonNode spec) {
        if (spec == null || !spec.isObject()) {
            return EMPTY;
        }
        Map<String, String> annotations = new HashMap<>();
        JsonNode a = spec.path("annotations");
        a.fields().forEachRemaining(e -> {
            if (e.getValue().isTextual()) {
                annotations.put(e.getKey(), e.getValue().asText());
            }
        });
        return new OciSpec(annotations, privileged(spec));
    }

    static Boolean privileged(JsonNode spec) {
        JsonNode bounding = spec.path("process").path("capabilities").path("bounding");
        JsonNode linux = spec.path("linux");
        if (!bounding.isArray() || linux.isMissingNode()) {
            return null;
        }
        boolean sysAdmin = false;
        for (JsonNode cap : bounding) {
            sysAdmin |= "CAP_SYS_ADMIN".equals(cap.asText());
        }
        return sysAdmin && emptyOrAbsent(linux.path("maskedPaths")) && emptyOrAbsent(linux.path("readonlyPaths"));
    }

    private static boolean emptyOrAbsent(JsonNode n) {
        return n.isMissingNode() || n.isNull() || n.isArray() && n.isEmpty();
    }
}
