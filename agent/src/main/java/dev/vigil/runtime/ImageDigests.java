package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The registry digest of an image, from its {@code RepoDigests} ({@code repository@sha256:…}) in the
 * Engine API's image inspection, cached per image id: one call per image, not per container. The digest
 * chosen is the one for the container's repository, else the only one; an image built or imported
 * locally has none (null). An image id maps to one content for ever, so entries never go stale; the
 * cache holds at most {@value #MAX_IMAGES} images (least recently used leaves first).
 *
 * <p>Thread-safe (one lock around the map; the fetch runs outside it).
 */
final class ImageDigests {
    static final int MAX_IMAGES = 512;

    /** Fetches an image inspection by id; null when the runtime does not know the image. */
    interface Fetcher {
        JsonNode image(String imageId) throws IOException;
    }

    private final Fetcher fetcher;
    /** Image id to its RepoDigests entries; guarded by {@code this}. */
    private final Map<String, String[]> byImageId = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String[]> eldest) {
            return size() > MAX_IMAGES;
        }
    };

    ImageDigests(Fetcher fetcher) {
        this.fetcher = fetcher;
    }

    /**
     * The digest for {@code repository} in image {@code imageId}, or null when the image has none or the
     * runtime could not say (not cached then: asked again next time).
     */
    String digest(String imageId, String repository) {
        String[] repoDigests;
        synchronized (this) {
            repoDigests = byImageId.get(imageId);
        }
        if (repoDigests == null) {
            Optional<String[]> fetched = fetch(imageId);
            if (fetched.isEmpty()) {
                return null;
            }
            repoDigests = fetched.get();
            synchronized (this) {
                byImageId.put(imageId, repoDigests);
            }
        }
        return choose(repoDigests, repository);
    }

    static String choose(String[] repoDigests, String repository) {
        String only = null;
        int count = 0;
        for (String rd : repoDigests) {
            int at = rd.indexOf('@');
            if (at <= 0 || at == rd.length() - 1) {
                continue;
            }
            if (rd.substring(0, at).equals(repository)) {
                return rd.substring(at + 1);
            }
            only = rd.substring(at + 1);
            count++;
        }
        return count == 1 ? only : null;
    }

    private Optional<String[]> fetch(String imageId) {
        JsonNode image;
        try {
            image = fetcher.image(imageId);
        } catch (IOException e) {
            return Optional.empty();
        }
        if (image == null) {
            return Optional.empty();
        }
        JsonNode list = image.path("RepoDigests");
        String[] out = new String[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = list.get(i).asText("");
        }
        return Optional.of(out);
    }
}
