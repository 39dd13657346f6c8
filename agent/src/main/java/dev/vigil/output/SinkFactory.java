package dev.vigil.output;

import dev.vigil.config.FileOutput;
import dev.vigil.config.HttpOutput;
import dev.vigil.config.KafkaOutput;
import dev.vigil.config.OutputConfig;
import dev.vigil.config.RemoteOutput;
import dev.vigil.config.SyslogOutput;
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
        // No default: a new kind of output does not compile until it is handled here. Each cast is the
        // kind's own record (OutputConfig.type() is derived from the record's class).
        return switch (c.type()) {
            case STDOUT -> new StdoutSink(stdout);
            case FILE -> file((FileOutput) c);
            case SYSLOG -> remote((SyslogOutput) c, this::syslog);
            case HTTP -> remote((HttpOutput) c, SinkFactory::http);
            case KAFKA -> remote((KafkaOutput) c, SinkFactory::kafka);
        };
    }

    /** Makes a remote sink from its config and its URL; {@code shown} stands for the URL in messages. */
    @FunctionalInterface
    private interface Connector<C extends RemoteOutput> {
        AlertSink connect(C config, String url, String shown) throws IOException;
    }

    private static <C extends RemoteOutput> AlertSink remote(C c, Connector<C> connector) throws IOException {
        if (c.urlFile() == null) {
            return connector.connect(c, c.url(), c.url());
        }
        try {
            return connector.connect(c, c.resolveUrl(), c.urlFile());
        } catch (IllegalArgumentException | NullPointerException e) {
            // The parsers' messages quote the URL, which may carry a token: name the file instead.
            throw new IOException("the URL in " + c.urlFile() + " is not a valid " + c.type() + " URL");
        }
    }

    private static AlertSink file(FileOutput c) throws IOException {
        return new FileSink(Path.of(c.path()), c.maxFileBytes(), c.maxFiles());
    }

    private AlertSink syslog(SyslogOutput c, String url, String shown) throws IOException {
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

    private static AlertSink http(HttpOutput c, String url, String shown) throws IOException {
        URI u = URI.create(url);
        SSLContext tls = u.getScheme().equals("https") && (c.caFile() != null || c.insecureSkipVerify())
            ? TlsContexts.create(c.caFile(), c.insecureSkipVerify()) : null;
        return new HttpSink(u, tls, Duration.ofMillis(c.connectTimeoutMillis()),
            Duration.ofMillis(c.requestTimeoutMillis()));
    }

    private static AlertSink kafka(KafkaOutput c, String url, String shown) throws IOException {
        return KafkaSink.create(KafkaTarget.parse(url, shown), c.properties(), c.caFile(),
            c.connectTimeoutMillis(), c.requestTimeoutMillis(), c.kafkaKey().equals("rule"));
    }
}
