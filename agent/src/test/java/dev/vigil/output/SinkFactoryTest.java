package dev.vigil.output;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.vigil.alert.TestAlerts;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.HttpOutput;
import dev.vigil.config.OutputConfig;
import java.io.IOException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link SinkFactory} makes of an output whose URL is in a file (a mounted Secret's key). */
class SinkFactoryTest {
    private final SinkFactory factory = new SinkFactory("test", new PrintStream(new ByteArrayOutputStream()));

    @TempDir
    Path dir;

    private OutputConfig fromYaml(String type, Path urlFile) throws Exception {
        Path cfg = dir.resolve("config.yaml");
        Files.writeString(cfg, "outputs:\n  - type: " + type + "\n    urlFile: " + urlFile + "\n");
        return new ConfigLoader().loadValid(cfg).outputs().get(0);
    }

    @Test
    void aWebhookPostsToTheUrlInItsFileNewlineAndAll() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        List<String> paths = new ArrayList<>();
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            synchronized (paths) {
                paths.add(ex.getRequestURI().toString());
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        try {
            Path secret = dir.resolve("webhook-url");
            // As `kubectl create secret generic --from-file` stores it: with the file's final newline.
            Files.writeString(secret, "http://127.0.0.1:" + server.getAddress().getPort() + "/hook/t0ken?k=v\n");
            OutputConfig c = fromYaml("http", secret);
            assertEquals(null, ((HttpOutput) c).url(), "the config itself holds no URL");
            AlertSink sink = factory.create(c);
            sink.send(TestAlerts.numbered(1));
            sink.flush();
            sink.close(Duration.ofSeconds(5));
            synchronized (paths) {
                assertEquals(List.of("/hook/t0ken?k=v"), paths);
            }
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aBadUrlInTheFileIsReportedByTheFilesNameNeverByItsContent() throws Exception {
        Path secret = dir.resolve("kafka-url");
        Files.writeString(secret, "kafka://broker:9092/no topic s3cret\n");
        OutputConfig c = fromYaml("kafka", secret);
        IOException e = assertThrows(IOException.class, () -> factory.create(c));
        assertTrue(e.getMessage().contains(secret.toString()), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), "the file's content stays out of the message: " + e.getMessage());
    }
}
