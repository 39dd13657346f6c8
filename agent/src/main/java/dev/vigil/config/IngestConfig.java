package dev.vigil.config;

import java.util.List;

/**
 * The event socket.
 *
 * @param socket         path of the Unix stream socket the producers connect to
 * @param allowedUids    peer uids allowed to connect (SO_PEERCRED); empty = root and the agent's own uid
 * @param maxLineBytes   longest accepted line, bytes; longer lines are rejected (too_long)
 * @param maxConnections producers connected at once; at the cap a newcomer takes the place of the
 *                       connection idle longest, or is refused (counted) when every place is active
 * @param readBufferBytes bytes read from a connection at a time
 * @param idleTimeoutSeconds a connection with no line (keep-alives count) for this long is closed
 */
public record IngestConfig(String socket, List<Integer> allowedUids, Integer maxLineBytes,
                           Integer maxConnections, Integer readBufferBytes, Integer idleTimeoutSeconds) {
    public static final String DEFAULT_SOCKET = "/run/vigil/vigil.sock";
    /** 64 KiB, DESIGN.md's default maximum line. */
    public static final int DEFAULT_MAX_LINE_BYTES = 64 * 1024;
    public static final int DEFAULT_MAX_CONNECTIONS = 64;
    /** Producers batch lines; reading 64 KiB or more at a time keeps syscalls per event low. */
    public static final int DEFAULT_READ_BUFFER_BYTES = 128 * 1024;
    /** A producer with nothing to say for a minute sends a blank line, or reconnects when it has something. */
    public static final int DEFAULT_IDLE_TIMEOUT_SECONDS = 60;

    public IngestConfig {
        socket = socket != null ? socket : DEFAULT_SOCKET;
        allowedUids = allowedUids != null ? List.copyOf(allowedUids) : List.of();
        maxLineBytes = maxLineBytes != null ? maxLineBytes : DEFAULT_MAX_LINE_BYTES;
        maxConnections = maxConnections != null ? maxConnections : DEFAULT_MAX_CONNECTIONS;
        readBufferBytes = readBufferBytes != null ? readBufferBytes : DEFAULT_READ_BUFFER_BYTES;
        idleTimeoutSeconds = idleTimeoutSeconds != null ? idleTimeoutSeconds : DEFAULT_IDLE_TIMEOUT_SECONDS;
    }

    /** The same with another socket path (the {@code --socket} flag). */
    public IngestConfig withSocket(String path) {
        return new IngestConfig(path, allowedUids, maxLineBytes, maxConnections, readBufferBytes, idleTimeoutSeconds);
    }

    public static IngestConfig defaults() {
        return new IngestConfig(null, null, null, null, null, null);
    }

    void validate(List<String> errors) {
        if (socket.isBlank()) {
            errors.add("ingest.socket must not be empty");
        } else if (socket.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            errors.add("ingest.socket is longer than 107 bytes, the limit of a Unix socket path");
        }
        if (maxLineBytes < 256 || maxLineBytes > 16 * 1024 * 1024) {
            errors.add("ingest.maxLineBytes must be between 256 and 16777216");
        }
        if (maxConnections < 1) {
            errors.add("ingest.maxConnections must be > 0");
        }
        if (idleTimeoutSeconds < 1 || idleTimeoutSeconds > 86_400) {
            errors.add("ingest.idleTimeoutSeconds must be between 1 and 86400");
        }
        if (readBufferBytes < 4096) {
            errors.add("ingest.readBufferBytes must be >= 4096");
        }
        for (Integer uid : allowedUids) {
            if (uid == null || uid < 0) {
                errors.add("ingest.allowedUids must hold uids >= 0");
            }
        }
    }
}
