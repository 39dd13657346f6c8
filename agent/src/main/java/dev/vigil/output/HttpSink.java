package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * POSTs each alert's JSON to a webhook, as Falco's {@code http_output} does and Falcosidekick expects
 * ({@code Content-Type: application/json}, one alert per request). HTTP/1.1 with keep-alive (the
 * client's connection pool), a connect timeout and a whole-request timeout.
 *
 * <p>Outcome: 2xx = delivered; 408, 429, 5xx, a timeout or a connection error = retryable; any
 * other status (3xx, 4xx) = permanent: counted failed and logged by the delivery, never retried.
 * Delivery thread only.
 */
public final class HttpSink implements AlertSink {
    private final URI uri;
    private final HttpClient client;
    private final Duration requestTimeout;
    private final AlertJson json = new AlertJson();

    /** @param tls null for the JVM's default context */
    public HttpSink(URI uri, SSLContext tls, Duration connectTimeout, Duration requestTimeout) {
        this.uri = uri;
        this.requestTimeout = requestTimeout;
        HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout).followRedirects(HttpClient.Redirect.NEVER);
        if (tls != null) {
            b.sslContext(tls);
        }
        this.client = b.build();
    }

    @Override
    public void send(Alert alert) throws SinkException {
        HttpRequest req = HttpRequest.newBuilder(uri).timeout(requestTimeout)
            .header("Content-Type", "application/json").header("User-Agent", "vigil")
            .POST(HttpRequest.BodyPublishers.ofByteArray(json.write(alert))).build();
        int status;
        try {
            status = client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            throw SinkException.retryable("POST " + uri + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw SinkException.retryable("POST " + uri + ": interrupted", e);
        }
        if (status >= 200 && status < 300) {
            return;
        }
        if (status == 408 || status == 429 || status >= 500) {
            throw SinkException.retryable("POST " + uri + ": HTTP " + status, null);
        }
        throw SinkException.permanent("POST " + uri + ": HTTP " + status);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close(Duration deadline) {
        // HttpClient (Java 17) has no close: its pooled connections end with it.
    }
}
