package dev.vigil.output;

import dev.vigil.config.OutputConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/** Builds the {@link AlertSink} an {@link OutputConfig} describes. Stateless. */
public final class SinkFactory {
    private final String version;
    private final PrintStream stdout;

    /**
     * @param version the agent version (written in CEF headers)
     * @param stdout  where the stdout sink writes
     */
    public SinkFactory(String version, PrintStream stdout) {
        this.version = version;
        this.stdout = stdout;
    }

    public AlertSink create(OutputConfig c) throws IOException {
        switch (c.type()) {
            case "stdout":
                return new StdoutSink(stdout);
            case "file":
                return new FileSink(Path.of(c.path()), c.maxFileBytes(), c.maxFiles());
            case "syslog": {
                OutputSpecs.HostPort hp = OutputSpecs.HostPort.of(c.url());
                SyslogFormat f = new SyslogFormat(c.facility(), SyslogFormat.Body.valueOf(c.format()), version);
                return switch (hp.transport()) {
                    case "udp" -> new SyslogUdpSink(hp.host(), hp.port(), f);
                    case "tcp" -> new SyslogStreamSink(hp.host(), hp.port(), f, null, false, c.connectTimeoutMillis());
                    case "tls" -> new SyslogStreamSink(hp.host(), hp.port(), f,
                        TlsContexts.create(c.caFile(), c.insecureSkipVerify()), !c.insecureSkipVerify(),
                        c.connectTimeoutMillis());
                    default -> throw new IOException("unknown syslog transport in " + c.url());
                };
            }
            case "http": {
                URI u = URI.create(c.url());
                SSLContext tls = u.getScheme().equals("https") && (c.caFile() != null || c.insecureSkipVerify())
                    ? TlsContexts.create(c.caFile(), c.insecureSkipVerify()) : null;
                return new HttpSink(u, tls, Duration.ofMillis(c.connectTimeoutMillis()),
                    Duration.ofMillis(c.requestTimeoutMillis()));
            }
            case "kafka":
                return KafkaSink.create(KafkaTarget.parse(c.url(), c.url()), c.properties(), c.caFile(),
                    c.connectTimeoutMillis(), c.requestTimeoutMillis(), c.kafkaKey().equals("rule"));
            default:
                throw new IOException("unknown output type '" + c.type() + "'");
        }
    }
}
