package dev.vigil.output;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private rsyslogd started by a test: {@code rsyslogd -n -f CONF -i PIDFILE} listening with imtcp
 * (plain or TLS with a certificate the test generates) on a free loopback port, writing the MSG of
 * every message from app-name {@code vigil} to a file, one per line. Never touches the system's
 * rsyslog configuration or service.
 */
final class Rsyslog implements AutoCloseable {
    static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
    static final Path GTLS = Path.of("/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so");

    final Path dir;
    final Path received;
    final int port;
    final Path caFile;
    private final Path conf;
    private Process process;

    static boolean available() {
        return Files.isExecutable(RSYSLOGD);
    }

    static boolean tlsAvailable() {
        return available() && Files.exists(GTLS) && Files.isExecutable(Path.of("/usr/bin/openssl"));
    }

    Rsyslog(Path dir, boolean tls) throws IOException, InterruptedException {
        this.dir = dir;
        Files.createDirectories(dir.resolve("work"));
        this.received = dir.resolve("received.log");
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringBuilder c = new StringBuilder();
        c.append("global(maxMessageSize=\"256k\" workDirectory=\"").append(dir.resolve("work")).append("\"");
        if (tls) {
            caFile = dir.resolve("cert.pem");
            run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", dir.resolve("key.pem").toString(),
                "-out", caFile.toString(), "-days", "2", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1");
            c.append(" defaultNetstreamDriver=\"gtls\" defaultNetstreamDriverCAFile=\"").append(caFile)
                .append("\" defaultNetstreamDriverCertFile=\"").append(caFile)
                .append("\" defaultNetstreamDriverKeyFile=\"").append(dir.resolve("key.pem")).append("\"");
        } else {
            caFile = null;
        }
        c.append(")\n");
        // A direct main queue: rsyslog itself never holds a message in memory we could lose on stop.
        c.append("main_queue(queue.type=\"Direct\")\n");
        if (tls) {
            c.append("module(load=\"imtcp\" streamDriver.name=\"gtls\" streamDriver.mode=\"1\""
                + " streamDriver.authMode=\"anon\")\n");
        } else {
            c.append("module(load=\"imtcp\")\n");
        }
        c.append("input(type=\"imtcp\" address=\"127.0.0.1\" port=\"").append(port).append("\")\n");
        c.append("template(name=\"msgonly\" type=\"string\" string=\"%msg%\\n\")\n");
        c.append("if $app-name == \"vigil\" then {\n  action(type=\"omfile\" file=\"").append(received)
            .append("\" template=\"msgonly\" flushOnTXEnd=\"on\" asyncWriting=\"off\")\n}\n");
        conf = dir.resolve("rsyslog.conf");
        Files.writeString(conf, c.toString());
    }

    private void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + Files.readString(dir.resolve("openssl.log")));
        }
    }

    void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(RSYSLOGD.toString(), "-n", "-f", conf.toString(), "-i",
            dir.resolve("rsyslogd.pid").toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("rsyslogd.out")
                .toFile())).start();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("rsyslogd exited: " + Files.readString(dir.resolve("rsyslogd.out")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > end) {
                    throw new IOException("rsyslogd does not listen on " + port + ": "
                        + Files.readString(dir.resolve("rsyslogd.out")));
                }
                Thread.sleep(50);
            }
        }
    }

    /** SIGTERM, and waits for the exit. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    /** The lines received so far (an incomplete last line is left out). */
    List<String> lines() throws IOException {
        if (!Files.exists(received)) {
            return List.of();
        }
        byte[] b = Files.readAllBytes(received);
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                out.add(new String(b, start, i - start, StandardCharsets.UTF_8).strip());
                start = i + 1;
            }
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
