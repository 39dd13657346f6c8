package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.vigil.alert.AlertEmitter;
import dev.vigil.config.VigilConfig;
import dev.vigil.event.Event;
import dev.vigil.rules.Matcher;
import dev.vigil.config.StateConfig;
import dev.vigil.pipeline.BatchEndTask;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.Clock;
import java.util.function.Consumer;
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

    /**
     * The state stage. Live: this node's /proc and cgroups, seeded at start. Replay: the events are
     * from another time, maybe another node, so this node's /proc and cgroups are never read.
     */
    static StateEnricher enricher(VigilConfig c, MeterRegistry registry, boolean live) {
        StateConfig s = c.state();
        if (!live) {
            s = new StateConfig(NO_SUCH_ROOT, NO_SUCH_ROOT, s.stateDir(), s.maxProcesses(), s.maxContainers(),
                s.procReadsPerSecond());
        }
        StateEnricher enricher = new StateEnricher(s, registry, Clock.SYSTEM);
        if (live) {
            enricher.seedFromProc();
        }
        return enricher;
    }

    private static final String NO_SUCH_ROOT = "/nonexistent/vigil-replay";

    /** Between batches: poll the pids cgroups' counters and match the pids_max_hit events they yield. */
    static BatchEndTask pidsPoll(StateEnricher state, Matcher matcher, AlertEmitter emitter) {
        Event scratch = new Event();
        Consumer<Event> toRules = e -> matcher.match(e, emitter);
        return now -> state.pollPidsEvents(now, scratch, toRules);
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
