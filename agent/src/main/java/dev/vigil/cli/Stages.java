package dev.vigil.cli;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.IdentityWait;
import dev.vigil.alert.NodeStamper;
import dev.vigil.pipeline.PipelineClock;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import dev.vigil.runtime.RuntimeClients;
import dev.vigil.runtime.RuntimeIdentityResolver;
import dev.vigil.config.RuntimeConfig;
import java.util.function.Function;
import dev.vigil.config.VigilConfig;
import dev.vigil.event.Event;
import dev.vigil.config.ConfigException;
import dev.vigil.rules.BaselineStore;
import dev.vigil.rules.LoadResult;
import dev.vigil.rules.Matcher;
import dev.vigil.rules.ReloadableMatcher;
import dev.vigil.rules.RuleEngine;
import dev.vigil.rules.RulesetLoader;
import dev.vigil.rules.TimeSource;
import dev.vigil.sharing.SharedBaselines;
import java.nio.file.Path;
import java.util.List;
import dev.vigil.config.StateConfig;
import dev.vigil.pipeline.BatchEndTask;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.Clock;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Builds the stages run and replay share, from the config. */
final class Stages {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Stages.class);

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
     * The node's name for {@code k8s.node.name} in alerts: {@code $NODE_NAME} (the downward API's
     * {@code spec.nodeName} in the DaemonSet), else the alerts' {@link #hostname}.
     */
    static String nodeName(VigilConfig c) {
        String env = System.getenv("NODE_NAME");
        return env != null && !env.isBlank() ? env : hostname(c);
    }

    /**
     * Who a container is, for the live agent: the runtime room's resolver over {@code c.runtime()}'s
     * sources, started (it lists the runtimes' containers, bounded in time, then follows their events).
     * A source that is missing or refused is logged and counted, never fatal. The caller closes it after
     * the alert stage.
     */
    static IdentitySource identities(VigilConfig c, MeterRegistry registry) {
        RuntimeIdentityResolver resolver = RuntimeClients.fromConfig(c.runtime(), registry);
        int known = resolver.start();
        log.info("container identity: {} containers known at start, sources {}", known, c.runtime().sources());
        return resolver;
    }

    /**
     * Who a container is, for {@code vigil posture} (a one-off scan: no pipeline, so only the lookup):
     * the default sources whose sockets exist and this user may open, so that a node without a runtime,
     * or a user without access, gets a report without warnings (only without image, pod and namespace).
     * The caller closes it.
     */
    static IdentitySource postureIdentities() {
        RuntimeConfig d = RuntimeConfig.defaults();
        List<String> usable = new java.util.ArrayList<>();
        for (String source : d.sources()) {
            String socket = switch (source) {
                case "containerd" -> d.containerdSocket();
                case "crio" -> d.crioSocket();
                case "docker" -> d.dockerSocket();
                case "podman" -> d.podmanSocket();
                default -> null; // oci: bundles readable by root only, and a live scan has the sockets
            };
            if (socket != null && java.nio.file.Files.isWritable(Path.of(socket))) {
                usable.add(source); // connecting to a Unix socket needs write permission on it
            }
        }
        if (usable.isEmpty()) {
            return IdentitySource.NONE;
        }
        RuntimeIdentityResolver resolver = RuntimeClients.fromConfig(new RuntimeConfig(usable, null, null, null, null,
            null, null, null), new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
        resolver.start();
        return resolver;
    }

    /**
     * The live alert stage in front of the folder: node and cluster written into every alert, then
     * the bounded wait for a container's identity ({@code alerts.identityWaitMillis}), started. The
     * caller closes the wait (releasing what waits) before closing the folder and flushing the outputs.
     */
    static IdentityWait identityWait(VigilConfig c, IdentitySource identities, MeterRegistry registry,
                                     AlertEmitter folder) {
        return new IdentityWait(identities, c.alerts().identityWaitMillis(), IdentityWait.DEFAULT_CAPACITY,
            Clock.SYSTEM, registry, folder).start();
    }

    /** Node and cluster into every alert, then {@code next}. */
    static AlertEmitter stamped(VigilConfig c, AlertEmitter next) {
        return new NodeStamper(nodeName(c), c.clusterName(), next);
    }

    /**
     * The state stage. Live: this node's /proc and cgroups, seeded at start. Replay: the events are
     * from another time, maybe another node, so this node's /proc and cgroups are never read.
     * {@code identities}: the runtimes' container identities ({@link IdentitySource#NONE} in replay).
     */
    static StateEnricher enricher(VigilConfig c, MeterRegistry registry, boolean live, IdentitySource identities,
                                  PipelineClock clock) {
        StateConfig s = c.state();
        if (!live) {
            s = new StateConfig(NO_SUCH_ROOT, NO_SUCH_ROOT, s.stateDir(), s.maxProcesses(), s.maxContainers(),
                s.procReadsPerSecond());
        }
        StateEnricher enricher = new StateEnricher(s, registry, clock, identities,
            c.runtime().containerdNamespaces());
        if (live) {
            enricher.seedFromProc();
            if (c.posture().reads()) {
                enricher.enableSandboxReads(alertOn(c), sandboxThread());
            }
        }
        return enricher;
    }

    /** The findings {@code posture.alertOn} turns on (validated names). */
    static java.util.Set<dev.vigil.state.SandboxFinding> alertOn(VigilConfig c) {
        java.util.Set<dev.vigil.state.SandboxFinding> on = java.util.EnumSet.noneOf(dev.vigil.state.SandboxFinding.class);
        for (String f : c.posture().alertOn()) {
            on.add(dev.vigil.state.SandboxFinding.byLabel(f));
        }
        return on;
    }

    /** One daemon thread, {@code vigil-sandbox}, for the sandbox reads (bounded by the prober's in-flight cap). */
    private static java.util.concurrent.Executor sandboxThread() {
        return new java.util.concurrent.ThreadPoolExecutor(1, 1, 0, java.util.concurrent.TimeUnit.MILLISECONDS,
            new java.util.concurrent.ArrayBlockingQueue<>(512), r -> {
                Thread t = new Thread(r, "vigil-sandbox");
                t.setDaemon(true);
                return t;
            });
    }

    private static final String NO_SUCH_ROOT = "/nonexistent/vigil-replay";

    /**
     * Between batches: apply the runtimes' identity updates, match the container_posture events of the
     * sandboxes read meanwhile, then poll the pids cgroups' counters and
     * match the pids_max_hit events they yield.
     */
    static BatchEndTask pidsPoll(StateEnricher state, Matcher matcher, AlertEmitter emitter) {
        Event scratch = new Event();
        Consumer<Event> toRules = e -> matcher.match(e, emitter);
        return now -> {
            state.drainIdentities();
            state.drainSandboxes(scratch, toRules);
            state.pollPidsEvents(now, scratch, toRules);
        };
    }

    /** {@code task}, then the shared baselines received since (the store's writer is the pipeline thread). */
    static BatchEndTask withSharedBaselines(BatchEndTask task, SharedBaselines sharing) {
        if (sharing == null) {
            return task;
        }
        return now -> {
            task.onBatchEnd(now);
            sharing.drainInbox();
        };
    }

    /**
     * The cluster's baselines ({@code rules.sharedBaselines}), loaded into {@code baselines} and followed;
     * null when not configured (each node learns alone).
     */
    static SharedBaselines sharedBaselines(VigilConfig c, BaselineStore baselines, String hostname,
                                           MeterRegistry registry) throws java.io.IOException, ConfigException {
        if (!c.rules().sharedBaselines().enabled()) {
            return null;
        }
        try {
            return SharedBaselines.start(c.rules().sharedBaselines(), baselines, hostname,
                Path.of(c.alerts().spoolDir()), java.time.Clock.systemUTC(), registry);
        } catch (org.apache.kafka.common.KafkaException e) {
            // The clients refuse their properties (a bad SASL or TLS setting) when they are made.
            throw new ConfigException("rules.sharedBaselines: " + e.getMessage()
                + (e.getCause() != null ? ": " + e.getCause().getMessage() : ""));
        }
    }

    /** The live baseline store: in the state directory, with the seeds merged. */
    static BaselineStore liveBaselines(VigilConfig c, MeterRegistry registry) throws ConfigException {
        BaselineStore baselines = new BaselineStore(Path.of(c.state().stateDir()).resolve("baselines"),
            BaselineStore.DEFAULT_MAX_SCOPES, BaselineStore.DEFAULT_MAX_TUPLES, registry);
        seed(baselines, c);
        return baselines;
    }

    /**
     * The live ruleset over {@code baselines} ({@link #liveBaselines}): the event's own time drives windows
     * when plausible against the pipeline's wall clock ({@code clock}, the pipeline's), baselines persist in
     * the state directory, reloads on SIGHUP and on file change. Throws ConfigException when the rules have errors.
     */
    static ReloadableMatcher liveRules(VigilConfig c, String hostname, BaselineStore baselines, MeterRegistry registry,
                                       PipelineClock clock) throws ConfigException {
        RulesetLoader loader = new RulesetLoader(hostname, TimeSource.liveTime(clock::epochNanos), baselines,
            RulesetLoader.DEFAULT_MAX_AGGREGATE_KEYS, registry);
        try {
            return new ReloadableMatcher(loader, paths(c), c.rules().includeDefault(), c.rules().watch(), baselines,
                registry);
        } catch (IllegalStateException e) {
            throw new ConfigException(e.getMessage());
        }
    }

    /** Merges {@code rules.baselineSeeds} into the store; a seed that cannot be read stops the start. */
    static void seed(BaselineStore baselines, VigilConfig c) throws ConfigException {
        for (String f : c.rules().baselineSeeds()) {
            try {
                int added = baselines.importFrom(Path.of(f), "seed:" + f);
                log.info("baseline seed {}: {} tuples merged", f, added);
            } catch (java.io.IOException | RuntimeException e) {
                throw new ConfigException("rules.baselineSeeds: cannot load " + f + ": " + e.getMessage());
            }
        }
    }

    /**
     * The replay ruleset: event time drives windows and baselines, which live in memory only, so
     * that a replay is repeatable and never touches the live agent's learned state.
     */
    static RuleEngine replayRules(VigilConfig c, String hostname, MeterRegistry registry) throws ConfigException {
        BaselineStore baselines = new BaselineStore(null, BaselineStore.DEFAULT_MAX_SCOPES,
            BaselineStore.DEFAULT_MAX_TUPLES, registry);
        seed(baselines, c);
        RulesetLoader loader = new RulesetLoader(hostname, TimeSource.eventTime(), baselines,
            RulesetLoader.DEFAULT_MAX_AGGREGATE_KEYS, registry);
        return withoutErrors(loader.load(paths(c), c.rules().includeDefault())).matcher();
    }

    /**
     * The items of list {@code name} in the config's rules, loaded as the agent loads them (appends and
     * overrides applied): what {@code vigil posture} must agree with. Rules with errors stop the agent,
     * and so this.
     */
    static java.util.Set<String> postureTrustedImages(VigilConfig c, String name) throws ConfigException {
        return java.util.Set.copyOf(withoutErrors(RulesetLoader.forCheck().load(paths(c), c.rules().includeDefault()))
            .list(name));
    }

    /** {@code r}, unless it has errors: then a config error listing every problem. */
    private static LoadResult withoutErrors(LoadResult r) throws ConfigException {
        if (r.errors() > 0) {
            StringBuilder sb = new StringBuilder("rules have errors:");
            r.problems().forEach(p -> sb.append('\n').append(p));
            throw new ConfigException(sb.toString());
        }
        return r;
    }

    private static List<Path> paths(VigilConfig c) {
        return c.rules().paths().stream().map(Path::of).toList();
    }

    /**
     * Replay's alerts: Falco's JSON, one per line, straight to {@code out}, in order and unfolded, with
     * node and cluster as live; no identity wait (replay has no runtime), so the output is repeatable.
     */
    static AlertEmitter replayAlerts(VigilConfig c, PrintStream out) {
        AlertJson json = new AlertJson();
        return stamped(c, alert -> out.println(json.writeString(alert)));
    }

    /** The jar manifest's Implementation-Version (the Maven project version); "dev" when run from classes. */
    static String version() {
        String v = Stages.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
