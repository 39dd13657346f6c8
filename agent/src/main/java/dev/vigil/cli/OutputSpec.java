package dev.vigil.cli;

import dev.vigil.config.ConfigException;
import dev.vigil.config.OutputConfig;

/** Parses an {@code --output} value into an output config. */
final class OutputSpec {
    private OutputSpec() {
    }

    static OutputConfig parse(String spec) throws ConfigException {
        if (spec.equals("stdout")) {
            return new OutputConfig("stdout", null, null, null);
        }
        if (spec.startsWith("file:") && spec.length() > 5) {
            return new OutputConfig("file", null, spec.substring(5), null);
        }
        if (spec.startsWith("syslog+udp://") || spec.startsWith("syslog+tcp://") || spec.startsWith("syslog+tls://")) {
            return new OutputConfig("syslog", spec, null, null);
        }
        if (spec.startsWith("http://") || spec.startsWith("https://")) {
            return new OutputConfig("http", spec, null, null);
        }
        if (spec.startsWith("kafka://")) {
            return new OutputConfig("kafka", spec, null, null);
        }
        throw new ConfigException("--output '" + spec + "': expected stdout, file:PATH, syslog+udp://H:P, "
            + "syslog+tcp://H:P, syslog+tls://H:P, http(s)://URL or kafka://BROKERS/TOPIC");
    }
}
