package dev.vigil.output;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The webhook sink against the JDK's HTTP server. */
class HttpSinkTest extends AlertSinkContractTest {
    private final List<Alert> received = new ArrayList<>();
    private HttpServer server;
    private int port;

    @Override
    AlertSink newSink() throws IOException {
        listen(0);
        // Timeouts well above a loopback request on a loaded machine: an answer slower than the
        // request timeout makes the delivery send the batch again, which deliversInOrder would see as
        // duplicates (2 s did). An outage is a refused connection, not a timeout, so it stays fast.
        return new HttpSink(URI.create("http://127.0.0.1:" + port + "/"), null, Duration.ofSeconds(10),
            Duration.ofSeconds(10));
    }

    private void listen(int p) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), p), 0);
        server.createContext("/", ex -> {
            Alert a = new AlertJson().read(ex.getRequestBody().readAllBytes());
            synchronized (received) {
                received.add(a);
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        port = server.getAddress().getPort();
    }

    @Override
    List<Alert> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    @Override
    void destination(boolean up) throws IOException {
        if (up) {
            listen(port);
        } else {
            server.stop(0);
        }
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }
}
