package dev.vigil.output;

import dev.vigil.alert.Alert;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * RFC 5424 messages over UDP (RFC 5426), one datagram each. Best effort: UDP has no delivery
 * signal, so an alert sent while the receiver is down is lost (only local errors, such as an
 * unresolvable host, are retried); use TCP or TLS where alerts matter. A message over
 * {@value #MAX_DATAGRAM} bytes fails permanently. Delivery thread only.
 */
public final class SyslogUdpSink implements AlertSink {
    /** IPv4's largest UDP payload is 65507 bytes. */
    static final int MAX_DATAGRAM = 65_000;
    private final String host;
    private final int port;
    private final SyslogFormat format;
    private DatagramSocket socket;
    private InetSocketAddress address;

    public SyslogUdpSink(String host, int port, SyslogFormat format) {
        this.host = host;
        this.port = port;
        this.format = format;
    }

    @Override
    public void send(Alert alert) throws SinkException {
        byte[] m = format.message(alert);
        if (m.length > MAX_DATAGRAM) {
            throw SinkException.permanent("message of " + m.length + " bytes is too large for a UDP datagram");
        }
        try {
            if (socket == null) {
                address = new InetSocketAddress(host, port);
                if (address.isUnresolved()) {
                    throw new IOException("cannot resolve " + host);
                }
                socket = new DatagramSocket();
            }
            socket.send(new DatagramPacket(m, m.length, address));
        } catch (IOException e) {
            close(Duration.ZERO);
            throw SinkException.retryable("syslog udp " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close(Duration deadline) {
        if (socket != null) {
            socket.close();
            socket = null;
        }
    }
}
