package dev.vigil.runtime;

/**
 * An image reference as a user gives it ({@code busybox}, {@code registry:5000/a/b:tag},
 * {@code repo@sha256:…}, {@code repo:tag@sha256:…}) split into Falco's {@code container.image.repository},
 * {@code .tag} and {@code .digest}. The repository is kept as written (no {@code docker.io/library/}
 * added), as Falco's container plugin reports it for Docker. A reference with neither tag nor digest
 * has the tag {@code latest}, the tag the runtime pulled and the one Falco reports. Immutable.
 *
 * @param repository everything before the tag and the digest
 * @param tag        null when the reference pins a digest only
 * @param digest     {@code algorithm:hex} after {@code @}, else null
 */
public record ImageReference(String repository, String tag, String digest) {
    static final String DEFAULT_TAG = "latest";

    /** Splits {@code reference}; null for a null or blank reference. */
    public static ImageReference parse(String reference) {
        if (reference == null || reference.isBlank()) {
            return null;
        }
        String rest = reference;
        String digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = rest.substring(at + 1);
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        // A colon before the last slash is a registry's port (registry:5000/a/b), not a tag.
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(rest, emptyToNull(tag), emptyToNull(digest));
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
