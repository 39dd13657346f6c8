package dev.vigil.output;

import dev.vigil.alert.Alert;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * RFC 5424 messages over one long-lived TCP connection, optionally TLS (RFC 5425), framed by octet
 * counting (RFC 6587 §3.4.1: {@code LEN SP MSG}). Connects on first use and again after any error;
 * writes are buffered and pushed by {@link #flush}. With TLS the server certificate and host name are
 * verified unless the context was built insecure.
 *
 * <p>Syslog over TCP has no acknowledgement: bytes accepted by the receiver's kernel are lost if the
 * receiver stops before reading them. {@link #confirmDelay} (2 s) tells the delivery to keep and
 * re-send what was flushed that recently when {@link #probe} then finds the connection closed.
 * Delivery thread only.
 */
public final class SyslogStreamSink implements AlertSink {
    static final Duration CONFIRM_DELAY = Duration.ofSeconds(2);
    private final String host;
    private final int port;
    private final SyslogFormat format;
    private final SSLContext tls;
    private final boolean verifyHostname;
    private final int connectTimeoutMillis;
    private Socket socket;
    private OutputStream out;
    private InputStream in;

    /** @param tls null for plain TCP */
    public SyslogStreamSink(String host, int port, SyslogFormat format, SSLContext tls, boolean verifyHostname,
                            int connectTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.format = format;
        this.tls = tls;
        this.verifyHostname = verifyHostname;
        this.connectTimeoutMillis = connectTimeoutMillis;
    }

    private void connect() throws IOException {
        Socket s = new Socket();
        try {
            s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            s.setKeepAlive(true);
            s.setTcpNoDelay(true);
            if (tls != null) {
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port, true);
                SSLParameters p = ssl.getSSLParameters();
                if (verifyHostname) {
                    p.setEndpointIdentificationAlgorithm("HTTPS");
                }
                ssl.setSSLParameters(p);
                ssl.setSoTimeout(connectTimeoutMillis);
                ssl.startHandshake();
                ssl.setSoTimeout(0);
                s = ssl;
            }
        } catch (IOException e) {
            s.close();
            throw e;
        }
        socket = s;
        out = new BufferedOutputStream(s.getOutputStream(), 64 * 1024);
        in = s.getInputStream();
    }

    @Override
    public void send(Alert alert) throws SinkException {
        byte[] m = SyslogFormat.octetCounted(format.message(alert));
        try {
            if (socket == null) {
                connect();
            }
            out.write(m);
        } catch (IOException e) {
            disconnect();
            throw failure(e);
        }
    }

    @Override
    public void flush() throws SinkException {
        if (socket == null) {
            return;
        }
        try {
            out.flush();
        } catch (IOException e) {
            disconnect();
            throw failure(e);
        }
    }

    private SinkException failure(IOException e) {
        return SinkException.retryable("syslog " + (tls != null ? "tls " : "tcp ") + host + ":" + port + ": "
            + e.getMessage(), e);
    }

    @Override
    public Duration confirmDelay() {
        return CONFIRM_DELAY;
    }

    /** A syslog receiver never writes: EOF or an error means it closed the connection. */
    @Override
    public boolean probe() {
        if (socket == null) {
            return false;
        }
        try {
            socket.setSoTimeout(1);
            int b = in.read();
            if (b < 0) {
                disconnect();
                return false;
            }
            return true;
        } catch (SocketTimeoutException e) {
            return true;
        } catch (IOException e) {
            disconnect();
            return false;
        } finally {
            if (socket != null) {
                try {
                    socket.setSoTimeout(0);
                } catch (IOException ignored) {
                    // the next write reports a broken socket
                }
            }
        }
    }

    private void disconnect() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing a broken socket: nothing to report beyond the failure itself
            }
            socket = null;
            out = null;
            in = null;
        }
    }

    @Override
    public void close(Duration deadline) {
        if (socket != null) {
            try {
                socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, deadline.toMillis())));
                out.flush();
                if (!(socket instanceof SSLSocket)) {
                    socket.shutdownOutput();
                }
            } catch (IOException ignored) {
                // closing: the delivery decides from probe() whether to re-spool
            }
            disconnect();
        }
    }
}
