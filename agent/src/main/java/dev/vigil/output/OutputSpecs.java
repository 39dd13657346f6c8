package dev.vigil.output;

import dev.vigil.alert.Priority;
import dev.vigil.config.DeliveryConfig;
import dev.vigil.config.FileOutput;
import dev.vigil.config.HttpOutput;
import dev.vigil.config.KafkaOutput;
import dev.vigil.config.OutputConfig;
import dev.vigil.config.StdoutOutput;
import dev.vigil.config.SyslogOutput;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code --output SPEC} forms of the command line, to {@link OutputConfig}:
 * <ul>
 *   <li>{@code stdout}</li>
 *   <li>{@code file:PATH}</li>
 *   <li>{@code syslog+udp://HOST[:PORT]}, {@code syslog+tcp://HOST[:PORT]} (port 514 by default),
 *       {@code syslog+tls://HOST[:PORT]} (6514), each with optional query parameters
 *       {@code format=json|cef}, {@code facility=local0}, {@code ca=/path/ca.pem},
 *       {@code insecure=true}, {@code minPriority=warning}, {@code name=siem}</li>
 *   <li>{@code http://…} and {@code https://…}: the webhook URL, taken whole</li>
 *   <li>{@code kafka://BROKER[:PORT][,BROKER…]/TOPIC}</li>
 * </ul>
 * A bad spec throws {@link IllegalArgumentException} with a message naming it. Stateless.
 */
public final class OutputSpecs {
    static final int DEFAULT_SYSLOG_PORT = 514;
    static final int DEFAULT_SYSLOG_TLS_PORT = 6514;

    private OutputSpecs() {
    }

    public static OutputConfig parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("--output: empty spec");
        }
        String s = spec.trim();
        if (s.equals("stdout")) {
            return StdoutOutput.defaults();
        }
        if (s.startsWith("file:")) {
            String path = s.substring("file:".length());
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (path.isBlank()) {
                throw bad(spec, "file: needs a path, e.g. file:/var/log/vigil/alerts.json");
            }
            return FileOutput.of(path);
        }
        if (s.startsWith("http://") || s.startsWith("https://")) {
            URI u = uri(spec, s);
            if (u.getHost() == null) {
                throw bad(spec, "the URL has no host");
            }
            return HttpOutput.of(s);
        }
        if (s.startsWith("syslog+udp://") || s.startsWith("syslog+tcp://") || s.startsWith("syslog+tls://")) {
            return syslog(spec, s);
        }
        if (s.startsWith("kafka://")) {
            KafkaTarget.parse(s, spec);
            return KafkaOutput.of(s);
        }
        throw bad(spec, "unknown form; expected stdout, file:PATH, syslog+udp://H:P, syslog+tcp://H:P, "
            + "syslog+tls://H:P, http(s)://URL or kafka://BROKERS/TOPIC");
    }

    private static SyslogOutput syslog(String spec, String s) {
        URI u = uri(spec, s);
        if (u.getHost() == null) {
            throw bad(spec, "no host (use syslog+tcp://HOST:PORT; IPv6 in brackets)");
        }
        if (u.getRawPath() != null && !u.getRawPath().isEmpty() && !u.getRawPath().equals("/")) {
            throw bad(spec, "a syslog destination has no path");
        }
        Map<String, String> q = query(spec, u.getRawQuery());
        String transport = u.getScheme().substring("syslog+".length());
        int port = u.getPort() >= 0 ? u.getPort()
            : transport.equals("tls") ? DEFAULT_SYSLOG_TLS_PORT : DEFAULT_SYSLOG_PORT;
        String url = "syslog+" + transport + "://" + (u.getHost().contains(":") && !u.getHost().startsWith("[")
            ? "[" + u.getHost() + "]" : u.getHost()) + ":" + port;
        String format = q.remove("format");
        String facility = q.remove("facility");
        if (format != null && !format.equals("json") && !format.equals("cef")) {
            throw bad(spec, "format must be json or cef, got '" + format + "'");
        }
        String ca = q.remove("ca");
        String insecure = q.remove("insecure");
        if (insecure != null && !insecure.equals("true") && !insecure.equals("false")) {
            throw bad(spec, "insecure must be true or false, got '" + insecure + "'");
        }
        if ((ca != null || "true".equals(insecure)) && !transport.equals("tls")) {
            throw bad(spec, "ca and insecure apply to syslog+tls only");
        }
        String min = q.remove("minPriority");
        if (min != null) {
            try {
                Priority.parse(min);
            } catch (IllegalArgumentException e) {
                throw bad(spec, "minPriority must be a Falco priority, got '" + min + "'");
            }
        }
        DeliveryConfig delivery = new DeliveryConfig(q.remove("name"), min, null, null, null, null, null);
        if (!q.isEmpty()) {
            throw bad(spec, "unknown parameter(s) " + q.keySet()
                + "; known: format, facility, ca, insecure, minPriority, name");
        }
        return new SyslogOutput(delivery, url, null, format, facility, ca, "true".equals(insecure), null);
    }

    private static URI uri(String spec, String s) {
        try {
            return new URI(s);
        } catch (URISyntaxException e) {
            throw bad(spec, e.getMessage());
        }
    }

    private static Map<String, String> query(String spec, String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw bad(spec, "parameter '" + kv + "' is not key=value");
            }
            String k = URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8);
            String v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            if (q.put(k, v) != null) {
                throw bad(spec, "parameter '" + k + "' given twice");
            }
        }
        return q;
    }

    static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("--output '" + spec + "': " + why);
    }

    /** Host and port of a syslog url as the spec parser normalized it. */
    record HostPort(String transport, String host, int port) {
        static HostPort of(String url) {
            URI u = URI.create(url);
            String host = u.getHost();
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            String scheme = u.getScheme();
            String transport = scheme.startsWith("syslog+") ? scheme.substring(7) : scheme;
            int port = u.getPort() >= 0 ? u.getPort()
                : transport.equals("tls") ? DEFAULT_SYSLOG_TLS_PORT : DEFAULT_SYSLOG_PORT;
            return new HostPort(transport, host, port);
        }
    }
}
