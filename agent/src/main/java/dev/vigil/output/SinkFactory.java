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
        if (c.urlFile() == null) {
            return create(c, c.url());
        }
        try {
            return create(c, c.resolveUrl());
        } catch (IllegalArgumentException | NullPointerException e) {
            // The parsers' messages quote the URL, which may carry a token: name the file instead.
            throw new IOException("the URL in " + c.urlFile() + " is not a valid " + c.type() + " URL");
        }
    }

    private AlertSink create(OutputConfig c, String url) throws IOException {
        String shown = c.urlFile() != null ? c.urlFile() : url;
        switch (c.type()) {
            case "stdout":
                return new StdoutSink(stdout);
            case "file":
                return new FileSink(Path.of(c.path()), c.maxFileBytes(), c.maxFiles());
            case "syslog": {
                OutputSpecs.HostPort hp = OutputSpecs.HostPort.of(url);
                SyslogFormat f = new SyslogFormat(c.facility(), SyslogFormat.Body.valueOf(c.format()), version);
                return switch (hp.transport()) {
                    case "udp" -> new SyslogUdpSink(hp.host(), hp.port(), f);
                    case "tcp" -> new SyslogStreamSink(hp.host(), hp.port(), f, null, false, c.connectTimeoutMillis());
                    case "tls" -> new SyslogStreamSink(hp.host(), hp.port(), f,
                        TlsContexts.create(c.caFile(), c.insecureSkipVerify()), !c.insecureSkipVerify(),
                        c.connectTimeoutMillis());
                    default -> throw new IOException("unknown syslog transport in " + shown);
                };
            }
            case "http": {
                URI u = URI.create(url);
                SSLContext tls = u.getScheme().equals("https") && (c.caFile() != null || c.insecureSkipVerify())
                    ? TlsContexts.create(c.caFile(), c.insecureSkipVerify()) : null;
                return new HttpSink(u, tls, Duration.ofMillis(c.connectTimeoutMillis()),
                    Duration.ofMillis(c.requestTimeoutMillis()));
            }
            case "kafka":
                return KafkaSink.create(KafkaTarget.parse(url, shown), c.properties(), c.caFile(),
                    c.connectTimeoutMillis(), c.requestTimeoutMillis(), c.kafkaKey().equals("rule"));
            default:
                throw new IOException("unknown output type '" + c.type() + "'");
        }
    }
}
