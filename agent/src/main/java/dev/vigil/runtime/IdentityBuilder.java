package dev.vigil.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Collects a {@link ContainerIdentity} field by field while a client reads its runtime's answer. Blank
 * strings are kept out (a runtime's "" means "unknown"). Not thread-safe; one per identity.
 */
final class IdentityBuilder {
    private final String id;
    private final String type;
    private final String source;
    String name;
    String image;
    String imageDigest;
    Boolean privileged;
    final Map<String, String> labels = new LinkedHashMap<>();
    String podName;
    String podNamespace;
    String podUid;
    final Map<String, String> podLabels = new LinkedHashMap<>();

    IdentityBuilder(String id, String type, String source) {
        this.id = id;
        this.type = type;
        this.source = source;
    }

    IdentityBuilder name(String v) {
        name = firstKnown(name, v);
        return this;
    }

    IdentityBuilder image(String v) {
        image = firstKnown(image, v);
        return this;
    }

    IdentityBuilder imageDigest(String v) {
        imageDigest = firstKnown(imageDigest, v);
        return this;
    }

    IdentityBuilder privileged(Boolean v) {
        if (privileged == null) {
            privileged = v;
        }
        return this;
    }

    IdentityBuilder pod(String podName, String podNamespace, String podUid) {
        this.podName = firstKnown(this.podName, podName);
        this.podNamespace = firstKnown(this.podNamespace, podNamespace);
        this.podUid = firstKnown(this.podUid, podUid);
        return this;
    }

    /** The first value that is not blank wins: callers offer values in order of trust. */
    static String firstKnown(String current, String offered) {
        if (current != null) {
            return current;
        }
        return offered == null || offered.isBlank() ? null : offered;
    }

    ContainerIdentity build() {
        ImageReference ref = ImageReference.parse(image);
        String digest = ref.digest() != null ? ref.digest() : imageDigest;
        String shownImage = image != null && ImageReference.isImageId(image) ? null : image;
        ImageReference shown = shownImage != null ? ref : ImageReference.parse(null);
        return new ContainerIdentity(id, type, name, shownImage, shown.repository(), shown.tag(), digest, privileged,
            labels, podName, podNamespace, podUid, podLabels, source);
    }
}
