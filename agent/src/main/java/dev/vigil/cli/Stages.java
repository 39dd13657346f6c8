package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.VigilConfig;
import dev.vigil.event.Event;
import dev.vigil.rules.Matcher;
import dev.vigil.state.Enricher;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds the stages run and replay share, from the config. */
final class Stages {
    private Stages() {
    }

    static String hostname(VigilConfig c) {
        if (c.hostname() != null && !c.hostname().isBlank()) {
            return c.hostname();
        }
        // In the DaemonSet, NODE_NAME (downward API) names the node rather than the pod.
        for (String var : new String[] {"VIGIL_HOSTNAME", "NODE_NAME"}) {
            String env = System.getenv(var);
            if (env != null && !env.isBlank()) {
                return env;
            }
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    static Enricher enricher(VigilConfig c, MeterRegistry registry) {
        return Enricher.NONE;
    }

    static Matcher matcher(VigilConfig c, MeterRegistry registry, boolean eventTime) {
        return new Matcher() {
            @Override
            public void match(Event event, AlertEmitter emitter) {
            }

            @Override
            public int ruleCount() {
                return 0;
            }
        };
    }

    static AlertEmitter alerts(VigilConfig c, MeterRegistry registry, PrintStream out) {
        ObjectMapper json = new ObjectMapper();
        return alert -> {
            try {
                out.println(json.writeValueAsString(alert));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        };
    }
}
