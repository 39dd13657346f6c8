package dev.vigil.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.re2j.Pattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * A {@link RuntimeClient} for the Docker Engine API on its Unix socket: Docker's, and Podman's
 * compatible API (same paths and fields), told apart only by {@link #name()} and
 * {@code container.type}. Calls: {@code GET /version} ({@link #version()}, a probe),
 * {@code /containers/json} (running containers), {@code /containers/{id}/json},
 * {@code /images/{id}/json} (the digest, once per image: {@link ImageDigests}) and the
 * {@code /events} stream filtered to container create, start, destroy and remove.
 *
 * <p>Bounds: every call answers within the timeout or throws {@link IOException}; a response body over
 * {@value #MAX_RESPONSE_BYTES} bytes and an event over {@value #MAX_EVENT_BYTES} bytes are refused
 * ({@link IOException}), so a runtime's bug cannot fill the agent's heap.
 *
 * <p>Threading: thread-safe; every call blocks its caller (a {@code vigil-runtime} thread), and
 * {@link #watch} calls its listener on the caller's thread. {@link #close()} may come from any thread:
 * it ends a running {@link #watch} (which then returns) and fails calls in flight.
 */
public final class DockerEngineClient implements RuntimeClient {
    static final int MAX_RESPONSE_BYTES = 4 << 20;
    static final int MAX_EVENT_BYTES = 256 << 10;
    /** A container id (full or a prefix) or name, or an image id: safe in a URL path as is. */
    private static final Pattern ID = Pattern.compile("[0-9a-zA-Z][0-9a-zA-Z_.-]{0,127}|sha256:[0-9a-f]{64}");
    private static final String EVENTS_FILTER = "{\"type\":[\"container\"],\"event\":"
        + listJson(EngineEvent.ACTIONS) + "}";

    private final String name;
    private final UnixSocketHttpClient http;
    private final EngineContainerReader reader;
    private final ImageDigests digests;
    private final ObjectMapper json = new ObjectMapper();
    private volatile boolean watching;

    /**
     * @param name    {@code docker} or {@code podman}: the client's name and {@code container.type}
     * @param socket  the API's Unix socket ({@code runtime.dockerSocket} or {@code runtime.podmanSocket})
     * @param timeout the bound of one call ({@code runtime.requestTimeoutMillis})
     */
    public DockerEngineClient(String name, Path socket, Duration timeout) {
        this(name, socket, timeout, MAX_RESPONSE_BYTES, MAX_EVENT_BYTES);
    }

    DockerEngineClient(String name, Path socket, Duration timeout, int maxResponseBytes, int maxEventBytes) {
        if (!name.equals("docker") && !name.equals("podman")) {
            throw new IllegalArgumentException("name must be docker or podman, not " + name);
        }
        this.name = name;
        this.http = new UnixSocketHttpClient(name, socket, timeout, maxResponseBytes, maxEventBytes);
        this.reader = new EngineContainerReader(name);
        this.digests = new ImageDigests(this::image);
    }

    @Override
    public String name() {
        return name;
    }

    /** The engine's {@code Version} ({@code 20.10.24+dfsg1}, {@code 4.3.1}): proves the socket answers. */
    public String version() throws IOException {
        JsonNode v = getJson("/version");
        if (v == null || !v.path("Version").isTextual()) {
            throw new IOException(http.socket() + " answered /version without a Version");
        }
        return v.path("Version").asText();
    }

    @Override
    public List<ContainerIdentity> list() throws IOException {
        JsonNode running = getJson("/containers/json");
        if (running == null || !running.isArray()) {
            throw new IOException(http.socket() + " answered /containers/json with no list");
        }
        List<ContainerIdentity> out = new ArrayList<>(running.size());
        for (JsonNode c : running) {
            String id = c.path("Id").asText("");
            if (ID.matcher(id).matches()) {
                // Gone between the list and the inspection: its destroy event follows.
                inspect(id).ifPresent(out::add);
            }
        }
        return out;
    }

    @Override
    public Optional<ContainerIdentity> inspect(String id) throws IOException {
        if (!ID.matcher(id).matches()) {
            return Optional.empty();
        }
        JsonNode inspect = getJson("/containers/" + id + "/json");
        return inspect == null ? Optional.empty() : Optional.ofNullable(reader.read(inspect, digests::digest));
    }

    /**
     * Follows container create/start (each inspected, then {@link Listener#upsert}) and destroy/remove
     * ({@link Listener#deleted}) until {@link #close()}; a lost stream throws. A container that is gone
     * before its inspection is skipped (its removal event follows).
     */
    @Override
    public void watch(Listener listener) throws IOException {
        String target = "/events?filters=" + URLEncoder.encode(EVENTS_FILTER, StandardCharsets.UTF_8);
        try {
            http.stream(target, () -> watching = true, bytes -> deliver(bytes, listener));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            watching = false;
        }
    }

    /** True while {@link #watch} follows a live event stream (the daemon has answered). */
    public boolean watching() {
        return watching;
    }

    @Override
    public void close() {
        http.close();
    }

    private void deliver(byte[] bytes, Listener listener) {
        EngineEvent event;
        try {
            event = EngineEvent.of(json.readTree(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(new IOException("unreadable event from " + http.socket(), e));
        }
        if (event == null) {
            return;
        }
        if (event.kind() == EngineEvent.Kind.DELETED) {
            listener.deleted(event.id());
            return;
        }
        try {
            inspect(event.id()).ifPresent(listener::upsert);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonNode image(String imageId) throws IOException {
        return ID.matcher(imageId).matches() ? getJson("/images/" + imageId + "/json") : null;
    }

    /** The JSON body of a 2xx answer, null for 404; anything else throws. */
    private JsonNode getJson(String target) throws IOException {
        UnixSocketHttpClient.Reply reply = http.get(target);
        if (reply.status() == 404) {
            return null;
        }
        if (!reply.ok()) {
            throw new IOException("GET " + target + " on " + http.socket() + ": HTTP " + reply.status() + " "
                + new String(reply.body(), 0, Math.min(reply.body().length, 200), StandardCharsets.UTF_8).strip());
        }
        try {
            return json.readTree(reply.body());
        } catch (IOException e) {
            throw new IOException("GET " + target + " on " + http.socket() + ": not JSON: " + e.getMessage(), e);
        }
    }

    private static String listJson(java.util.Set<String> values) {
        StringBuilder sb = new StringBuilder("[");
        for (String v : new TreeSet<>(values)) {
            sb.append(sb.length() > 1 ? "," : "").append('"').append(v).append('"');
        }
        return sb.append(']').toString();
    }
}
