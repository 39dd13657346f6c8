package dev.vigil.runtime;

/**
 * An image reference split into Falco's fields: {@code container.image.repository}, {@code .tag},
 * {@code .digest}. Follows the Docker reference grammar: {@code [host[:port]/]path[:tag][@digest]}; a colon
 * belongs to the tag only after the last {@code /} (so {@code registry:5000/a/b} has no tag). Nothing is
 * normalized ({@code busybox} stays {@code busybox}, not {@code docker.io/library/busybox}): the repository
 * is what the runtime was given.
 *
 * <p>No tag and no digest means {@code latest} (what the reference resolves to, and what Falco's Docker
 * engine shows); a reference pinned by digest alone has a null tag, because no tag was involved (Falco's
 * Docker engine would show {@code latest} there too; we do not invent one). Immutable.
 *
 * @param repository the reference without tag and digest; null only for an image id ({@code sha256:…})
 * @param tag        the tag, {@code latest} when neither tag nor digest is given, else null
 * @param digest     {@code sha256:…} when the reference carries one, else null
 */
public record ImageReference(String repository, String tag, String digest) {
    static final String DEFAULT_TAG = "latest";
    private static final ImageReference NONE = new ImageReference(null, null, null);

    /** Splits {@code reference}; null or blank gives all nulls, and so does a bare image id. */
    public static ImageReference parse(String reference) {
        if (reference == null || reference.isBlank()) {
            return NONE;
        }
        String ref = reference.trim();
        if (isImageId(ref)) {
            return new ImageReference(null, null, ref.startsWith("sha256:") ? ref : null);
        }
        String digest = null;
        int at = ref.indexOf('@');
        if (at >= 0) {
            digest = at + 1 < ref.length() ? ref.substring(at + 1) : null;
            ref = ref.substring(0, at);
        }
        String tag = null;
        int colon = ref.lastIndexOf(':');
        if (colon > ref.lastIndexOf('/')) {
            tag = colon + 1 < ref.length() ? ref.substring(colon + 1) : null;
            ref = ref.substring(0, colon);
        }
        if (tag == null && digest == null) {
            tag = DEFAULT_TAG;
        }
        return new ImageReference(ref.isEmpty() ? null : ref, tag, digest);
    }

    /** The digest of a digested reference ({@code repo@sha256:…}), or null. */
    static String digestOf(String reference) {
        if (reference == null) {
            return null;
        }
        int at = reference.indexOf('@');
        return at >= 0 && at + 1 < reference.length() ? reference.substring(at + 1) : null;
    }

    /** {@code sha256:<64 hex>} or 64 bare hex digits: an image id, not a name. */
    static boolean isImageId(String ref) {
        String hex = ref.startsWith("sha256:") ? ref.substring("sha256:".length()) : ref;
        if (hex.length() != 64) {
            return false;
        }
        for (int i = 0; i < hex.length(); i++) {
            char c = hex.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }
}
