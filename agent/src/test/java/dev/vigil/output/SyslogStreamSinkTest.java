package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The TCP syslog sink against an in-test receiver that parses RFC 6587 octet counting and RFC 5424. */
class SyslogStreamSinkTest extends AlertSinkContractTest {
    private final List<Alert> received = new ArrayList<>();
    private final List<Socket> connections = new ArrayList<>();
    private ServerSocket server;
    private int port;

    @Override
    AlertSink newSink() throws IOException {
        listen(0);
        return new SyslogStreamSink("127.0.0.1", port,
            new SyslogFormat("local0", SyslogFormat.Body.json, "test"), null, false, 1000);
    }

    private void listen(int p) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), p));
        port = server.getLocalPort();
        ServerSocket s = server;
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    Socket c = s.accept();
                    synchronized (connections) {
                        // accept() can return just before the outage closes the listener; such a
                        // connection belongs to the outage too, or the sink would keep delivering
                        if (s.isClosed()) {
                            c.close();
                            return;
                        }
                        connections.add(c);
                    }
                    Thread r = new Thread(() -> read(c), "receiver");
                    r.setDaemon(true);
                    r.start();
                }
            } catch (IOException e) {
                // closed: the destination is down
            }
        }, "acceptor");
        t.setDaemon(true);
        t.start();
    }

    private void read(Socket c) {
        try (InputStream in = new BufferedInputStream(c.getInputStream())) {
            while (true) {
                int len = 0;
                int b;
                while ((b = in.read()) != ' ') {
                    if (b < 0) {
                        return;
                    }
                    len = len * 10 + (b - '0');
                }
                byte[] msg = in.readNBytes(len);
                if (msg.length < len) {
                    return;
                }
                String body = SyslogFormatTest.parse(msg).msg();
                synchronized (received) {
                    received.add(new AlertJson().read(body.getBytes(StandardCharsets.UTF_8)));
                }
            }
        } catch (IOException e) {
            // connection closed
        }
    }

    @Override
    List<Alert> received() {
        synchronized (received) {
            return new ArrayList<>(received);
        }
    }

    @Override
    void destination(boolean up) throws Exception {
        if (up) {
            listen(port);
        } else {
            synchronized (connections) {
                server.close();
                for (Socket c : connections) {
                    c.close();
                }
                connections.clear();
            }
        }
    }

    @AfterEach
    void stopServer() throws IOException {
        server.close();
    }
}
