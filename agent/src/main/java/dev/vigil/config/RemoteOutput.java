package dev.vigil.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * An output that sends over the network to a URL: syslog, http, kafka. The URL is given as {@code url},
 * or as {@code urlFile}, a file holding it (a mounted Secret's key, so that a webhook token never sits
 * in the config).
 */
public sealed interface RemoteOutput extends OutputConfig permits SyslogOutput, HttpOutput, KafkaOutput {
    int DEFAULT_CONNECT_TIMEOUT_MILLIS = 5_000;
    /** http and kafka: the whole request. */
    int DEFAULT_REQUEST_TIMEOUT_MILLIS = 10_000;
    /** A URL file holds one URL: anything larger is the wrong file. */
    int MAX_URL_FILE_BYTES = 8192;

    /** {@code syslog+udp|tcp|tls://H:P}, {@code http(s)://…}, {@code kafka://B1:P,B2:P/TOPIC}; null with {@link #urlFile()}. */
    String url();

    /** Instead of {@link #url()}: the file holding it, read when the sink is made (see {@link #resolveUrl()}). */
    String urlFile();

    /** TLS: PEM file of the CA certificates to trust instead of the JVM's; null for the JVM's. */
    String caFile();

    /** Connect (and TLS handshake) timeout. */
    Integer connectTimeoutMillis();

    /**
     * The destination: {@code url}, or the content of {@code urlFile} without its surrounding white space (a
     * Secret's value written with {@code --from-file} ends in a newline). The file's content is never put in a
     * message: it may carry a token.
     *
     * @throws IOException the file is missing, unreadable, empty, over {@link #MAX_URL_FILE_BYTES} or holds
     *                     more than one line
     */
    default String resolveUrl() throws IOException {
        if (urlFile() == null) {
            return url();
        }
        Path file = Path.of(urlFile());
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException(urlFile() + " is not a readable file");
        }
        if (Files.size(file) > MAX_URL_FILE_BYTES) {
            throw new IOException(urlFile() + " is larger than " + MAX_URL_FILE_BYTES + " bytes (a URL is expected)");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty() || text.lines().count() != 1) {
            throw new IOException(urlFile() + " must hold one URL on one line");
        }
        return text;
    }

    /** The problems of the keys every remote output has: the URL, the CA file, the connect timeout. */
    default void validateRemote(String key, List<String> errors) {
        if (urlFile() != null && url() != null) {
            errors.add(key + ": url and urlFile are exclusive (urlFile keeps a secret URL out of the config)");
        } else if (urlFile() != null) {
            try {
                resolveUrl();
            } catch (IOException e) {
                errors.add(key + ".urlFile " + e.getMessage());
            }
        } else if (url() == null || url().isBlank()) {
            errors.add(key + ".url (or urlFile) is required for a " + type() + " output");
        }
        if (connectTimeoutMillis() < 1) {
            errors.add(key + ".connectTimeoutMillis must be > 0");
        }
        if (caFile() != null && !Files.isReadable(Path.of(caFile()))) {
            errors.add(key + ".caFile " + caFile() + " is not a readable file");
        }
    }
}
