package dev.vigil.cli;

import dev.vigil.alert.AlertEmitter;
import dev.vigil.alert.AlertFolder;
import dev.vigil.alert.AlertMetrics;
import dev.vigil.alert.IdentityWait;
import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.MetricsConfig;
import dev.vigil.config.FileOutput;
import dev.vigil.config.OutputConfig;
import dev.vigil.config.RemoteOutput;
import dev.vigil.config.PrivateDirectories;
import dev.vigil.config.VigilConfig;
import dev.vigil.ingest.IngestMetrics;
import dev.vigil.ingest.UnixSocketServer;
import dev.vigil.metrics.MetricsServer;
import dev.vigil.pipeline.EventPipeline;
import dev.vigil.pipeline.PipelineClock;
import dev.vigil.pipeline.PipelineHealth;
import dev.vigil.pipeline.PipelineMetrics;
import dev.vigil.rules.BaselineStore;
import dev.vigil.rules.ReloadableMatcher;
import dev.vigil.sharing.SharedBaselines;
import dev.vigil.runtime.IdentitySource;
import dev.vigil.output.Outputs;
import dev.vigil.output.OutputSpecs;
import java.time.Clock;
import dev.vigil.runtime.IdentitySource;
import dev.vigil.state.StateEnricher;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/**
 * {@code vigil run}: the daemon. SIGTERM (or SIGINT) stops accepting, drains the ring, flushes the
 * sinks and exits 0; SIGHUP reloads the rules.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the agent.")
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--socket", paramLabel = "PATH", description = "Event socket path (ingest.socket).")
    String socket;

    @Option(names = "--metrics-address", paramLabel = "HOST:PORT",
        description = "Metrics and health endpoint (metrics.address).")
    String metricsAddress;

    @Option(names = "--output", paramLabel = "SPEC",
        description = "Alert destination (repeatable; replaces outputs): stdout, file:PATH, syslog+udp://H:P, "
            + "syslog+tcp://H:P, syslog+tls://H:P, http(s)://…, kafka://BROKERS/TOPIC.")
    List<String> outputs = new ArrayList<>();

    enum SensorMode { auto, on, off }

    @Option(names = "--sensor", paramLabel = "auto|on|off", defaultValue = "auto",
        description = "Start the bundled eBPF sensor as a child process: auto (default) starts it when running "
            + "as root with kernel BTF and the sensor is found; on fails without it; off never starts it.")
    SensorMode sensorMode = SensorMode.auto;

    private final CountDownLatch stop = new CountDownLatch(1);
    /** Whether the sensor was already started (or decided against) before an exec. */
    private boolean sensorDecided;
    /** 1 when {@code --sensor on} and the sensor exited before attaching. */
    private volatile int exitCode;

    @Override
    public Integer call() {
        VigilConfig c;
        try {
            c = applyFlags(configOptions.load());
            ConfigLoader.check(c);
        } catch (ConfigException e) {
            System.err.println("vigil run: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        SensorProcess sensor = null;
        try {
            sensor = dropCapabilities(c);
            return runAgent(c, sensor);
        } catch (ConfigException e) {
            System.err.println("vigil run: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (java.nio.file.AccessDeniedException e) {
            // An AccessDeniedException's message is only the path: say what to do about it.
            log.error("cannot start: {}: permission denied — run as root, or set state.stateDir (and ingest.socket) "
                + "to a directory you own (README, \"Not root\")", e.getFile());
            return 1;
        } catch (IOException e) {
            log.error("cannot start: {}", e.getMessage());
            return 1;
        } finally {
            if (sensor != null) {
                sensor.close(); // no orphan sensor when the agent could not start
            }
        }
    }

    VigilConfig applyFlags(VigilConfig c) throws ConfigException {
        if (socket != null) {
            c = c.withIngest(c.ingest().withSocket(socket));
        }
        if (metricsAddress != null) {
            c = c.withMetrics(new MetricsConfig(metricsAddress, c.metrics().stallSeconds()));
        }
        if (!outputs.isEmpty()) {
            List<OutputConfig> list = new ArrayList<>();
            for (String spec : outputs) {
                try {
                    list.add(OutputSpecs.parse(spec));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(e.getMessage());
                }
            }
            c = c.withOutputs(list);
        }
        return c;
    }

    /**
     * Started with capabilities (root): starts the sensor while they are there, then runs this
     * command again in the same process without any ({@link CapabilityDropExec}); returns only if
     * that fails (with the sensor, if started). Started after such an exec: adopts the sensor.
     * Otherwise: null, and the sensor is started later, as a plain child.
     */
    private SensorProcess dropCapabilities(VigilConfig c) throws IOException {
        Map<String, String> env = System.getenv();
        if (env.get(CapabilityDropExec.DONE_ENV) != null) {
            String pid = env.get(CapabilityDropExec.SENSOR_PID_ENV);
            sensorDecided = true;
            String sensorLog = env.get(CapabilityDropExec.SENSOR_LOG_ENV);
            if (pid == null || !pid.matches("[0-9]{1,10}")) {
                return null;
            }
            Path logFile = sensorLog == null ? null : Path.of(sensorLog);
            SensorStopPipe stopPipe = SensorStopPipe.adopt(env.get(CapabilityDropExec.SENSOR_STOP_FD_ENV));
            SensorProcess adopted = SensorProcess.adopt(Long.parseLong(pid), logFile, stopPipe);
            if (adopted == null && stopPipe != null) {
                stopPipe.close();
            }
            String died = adopted == null ? SensorProcess.exitedBeforeAdoption(Long.parseLong(pid), logFile) : null;
            if (died != null) {
                log.error(died);
                if (sensorMode == SensorMode.on) {
                    throw new IOException("cannot start the sensor (--sensor on): it exited before attaching");
                }
            }
            return adopted;
        }
        if (!CapabilityDropExec.wanted(env)) {
            return null;
        }
        Path socketPath = Path.of(c.ingest().socket()).toAbsolutePath();
        UnprivilegedUser user = UnprivilegedUser.resolve(c.process(), c.runtime(), Path.of("/etc/passwd"), log);
        String unreadable = user.switches() ? user.cannotRead(filesReadAfterTheSwitch(c)) : null;
        String unmakeable = user.switches() && unreadable == null ? user.cannotMakeSocket(socketPath) : null;
        if (unreadable != null) {
            // The re-executed agent reads its jar, its config and the files the config names as that user: one it
            // cannot read would stop it. Staying uid 0 (still without any capability) keeps the node watched.
            log.warn("process.user: {} (uid {}) cannot read {}; staying uid 0, without any capability. Make it "
                + "readable for that user (or move it), or set process.user", user.name(), user.uid(), unreadable);
            user = UnprivilegedUser.root();
        } else if (unmakeable != null) {
            // Likewise a socket in a directory it shares with other files (a config directory): it could not bind.
            log.warn("process.user: {} (uid {}) cannot create {}; staying uid 0, without any capability. Give "
                + "ingest.socket a directory of its own, or set process.user", user.name(), user.uid(), unmakeable);
            user = UnprivilegedUser.root();
        }
        String unwritable = user.switches() ? user.cannotWrite(c.outputs().stream()
            .filter(o -> o instanceof FileOutput).map(o -> Path.of(((FileOutput) o).path())).toList()) : null;
        if (unwritable != null) {
            // Not a reason to keep uid 0: the operator decides who may write there. The alerts wait in the spool.
            log.warn("process.user: {} (uid {}) cannot write the alert file {}: its alerts wait in the output's "
                + "spool until it can. Give the file (or its directory) to that user, or set process.user",
                user.name(), user.uid(), unwritable);
        }
        // What the agent writes after the switch is its own; nothing else is. Also when it stays uid 0: without
        // CAP_DAC_OVERRIDE it could not enter a state directory an earlier run gave to process.user.
        user.handOver(List.of(Path.of(c.state().stateDir()), Path.of(c.alerts().spoolDir())), socketPath);
        SensorProcess sensor = startSensor(socketPath, c, user.switches() ? user : null);
        sensorDecided = true;
        if (sensor != null && user.switches()) {
            user.giveFile(sensor.stderrLog()); // the new JVM follows it
        }
        String why = CapabilityDropExec.exec(log, sensor, user);
        log.warn("could not re-execute without capabilities ({}); dropping them in process instead", why);
        return sensor;
    }

    private int runAgent(VigilConfig c, SensorProcess startedSensor) throws IOException, ConfigException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        bindProcessMeters(registry);
        IngestMetrics ingestMetrics = new IngestMetrics(registry);
        PipelineMetrics pipelineMetrics = new PipelineMetrics(registry);
        // Baselines and spools hold what the agent learned and owes the SIEM: nobody else may write there.
        PrivateDirectories.ensure(Path.of(c.state().stateDir()));
        BaselineStore baselines = Stages.liveBaselines(c, registry);
        PipelineClock clock = new PipelineClock(); // the stages' time, advanced by the pipeline thread
        ReloadableMatcher matcher = Stages.liveRules(c, Stages.hostname(c), baselines, registry, clock);
        // Before the pipeline runs: the cluster's baselines are this node's from its first event on.
        SharedBaselines sharing = Stages.sharedBaselines(c, baselines, Stages.hostname(c), registry);
        Outputs outputs = Outputs.create(c.outputs(), c.alerts().spoolDir(), registry, Stages.version());
        AlertFolder folder = new AlertFolder(c.alerts(), Clock.systemUTC(), new AlertMetrics(registry), outputs).start();
        IdentitySource identities = Stages.identities(c, registry);
        // rules -> node and cluster -> identity wait -> folder -> outputs
        IdentityWait identityWait = Stages.identityWait(c, identities, registry, folder);
        AlertEmitter raised = Stages.stamped(c, identityWait);
        StateEnricher state = Stages.enricher(c, registry, true, identities, clock);
        EventPipeline pipeline = new EventPipeline(c.pipeline(), state, matcher, raised,
            Stages.withSharedBaselines(Stages.pidsPoll(state, matcher, raised), sharing), clock, ingestMetrics,
            pipelineMetrics, registry);
        UnixSocketServer server = new UnixSocketServer(c.ingest(), pipeline.publisher(), ingestMetrics);
        PipelineHealth health = new PipelineHealth(pipeline, c.metrics().stallSeconds() * 1_000_000_000L,
            System::nanoTime, server::isListening, () -> matcher.lastResult() != null);
        MetricsServer metricsServer = new MetricsServer(registry, health);
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vigil-health");
            t.setDaemon(true);
            return t;
        });

        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        HangupSignal.restoreIfIgnored(log);
        Signal.handle(new Signal("HUP"), s -> {
            log.info("SIGHUP: reloading rules");
            matcher.reload();
        });

        pipeline.start();
        SensorProcess sensor = startedSensor;
        boolean drained = false;
        try {
            if (sensor != null) {
                server.trustProducerPid(sensor.pid()); // it always gets a place (issue 16)
            }
            server.start();
            if (!c.metrics().address().isEmpty()) {
                metricsServer.start(c.metrics().address());
            }
            ticker.scheduleAtFixedRate(health::sample, 1, 1, TimeUnit.SECONDS);
            if (!sensorDecided) {
                sensor = startSensor(server.path(), c, null);
                if (sensor != null) {
                    server.trustProducerPid(sensor.pid()); // it loads its programs before it connects
                }
            }
            if (sensor != null) {
                // The sensor attaches now that the socket accepts; the log says whether it did.
                sensor.watch(() -> {
                    if (sensorMode == SensorMode.on) {
                        exitCode = 1;
                        stop.countDown();
                    }
                });
            }
            // Nothing privileged is left to do: the socket is bound and the sensor (if any) started.
            new ProcessHardening(log).apply();
            log.info("vigil running: {} rules, socket {}, ring {} ({} policy), outputs {}", matcher.ruleCount(),
                server.path(), c.pipeline().ringSize(), c.pipeline().backpressure(),
                c.outputs().stream().map(o -> o.type()).toList());
            awaitStop();
            log.info("stopping: closing the socket, draining the ring");
        } finally {
            // In data order: the producer, the socket, the ring, the rules' state, the alerts waiting for
            // their identity, the sinks, the runtimes.
            if (sensor != null) {
                sensor.close(); // first: it flushes what it holds into the socket
            }
            server.close();
            drained = pipeline.drain(Duration.ofSeconds(30));
            ticker.shutdownNow();
            if (sharing != null) {
                sharing.close(Duration.ofSeconds(5)); // what is not yet published stays in its spool
            }
            matcher.close(); // saves the learned baselines
            identityWait.close(Duration.ofSeconds(5)); // released into the folder before the sinks flush
            folder.close(); // its pending summaries, before the sinks flush
            boolean flushed = outputs.flush(Duration.ofSeconds(5));
            outputs.close(Duration.ofSeconds(5)); // what is undelivered waits in the spool for the next start
            if (!flushed) {
                log.warn("not every alert was delivered before exit; the rest are spooled in {}",
                    c.alerts().spoolDir());
            }
            identities.close();
            metricsServer.close();
        }
        log.info("stopped: {} events processed{}", pipelineMetrics.processedCount(),
            drained ? "" : " (drain timed out)");
        return exitCode;
    }

    /** What the agent reads once it runs as {@code process.user}: its jar, its config, the files the config names. */
    private List<Path> filesReadAfterTheSwitch(VigilConfig c) {
        List<Path> out = new ArrayList<>();
        try {
            out.add(Path.of(RunCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            log.debug("cannot locate the agent's jar", e);
        }
        if (configOptions.configFile != null) {
            out.add(configOptions.configFile);
        }
        c.rules().paths().forEach(p -> out.add(Path.of(p)));
        c.rules().baselineSeeds().forEach(p -> out.add(Path.of(p)));
        if (c.rules().sharedBaselines() != null && c.rules().sharedBaselines().caFile() != null) {
            out.add(Path.of(c.rules().sharedBaselines().caFile()));
        }
        for (OutputConfig o : c.outputs()) {
            if (o instanceof RemoteOutput r && r.caFile() != null) {
                out.add(Path.of(r.caFile()));
            }
            if (o instanceof RemoteOutput r && r.urlFile() != null) {
                out.add(Path.of(r.urlFile()));
            }
        }
        return out;
    }

    private SensorProcess startSensor(Path socketPath, VigilConfig c, UnprivilegedUser agent) throws IOException {
        if (sensorMode == SensorMode.off) {
            return null;
        }
        String why = SensorProcess.whyUnavailable();
        Path exe = SensorProcess.locate();
        if (why == null && exe == null) {
            why = "the sensor was not found (set VIGIL_SENSOR to its path)";
        }
        if (why == null) {
            SensorBuild.Outcome built = SensorBuild.prepare(exe);
            exe = built.executable();
            why = built.problem();
        }
        if (why != null) {
            if (sensorMode == SensorMode.on) {
                throw new IOException("cannot start the sensor: " + why);
            }
            log.warn("sensor not started: {}; waiting for producers on {}", why, socketPath);
            return null;
        }
        return SensorProcess.start(exe, socketPath, SensorProcess.newStderrLog(), c.runtime().containerdNamespaces(),
            c.sensor().flags(), agent == null ? -1 : agent.gid());
    }

    private void awaitStop() {
        while (true) {
            try {
                stop.await();
                return;
            } catch (InterruptedException e) {
                // Only a signal ends the daemon.
            }
        }
    }

    private static void bindProcessMeters(PrometheusMeterRegistry registry) {
        // promtool check metrics rejects these two names of Micrometer's binders (a "_count" suffix on
        // a gauge, an abbreviated unit); process_cpu_usage and the JVM meters cover the same ground.
        registry.config().meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")
            || id.getName().equals("process.cpu.time")));
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }
}
