package dev.vigil.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.vigil.config.ConfigException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.posture.PostureReport;
import dev.vigil.posture.PostureScanner;
import dev.vigil.runtime.ContainerIdentity;
import dev.vigil.runtime.IdentitySource;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code vigil posture [--json]}: scans this node's /proc and cgroups now and reports privileged
 * container processes, container processes with capabilities beyond Docker's default set, and
 * containers without a pids limit. Text (one finding a line) or JSON ({@link PostureReport} in
 * snake_case). Each finding names its container's image, pod and namespace when the identity lookup
 * knows them (text: {@code image=… pod=… namespace=…}, left out when unknown; JSON: {@code image},
 * {@code pod}, {@code namespace}, null when unknown). A sandbox finding's {@code alerts} says whether the
 * agent would alert on it: it loads the rules as the agent does ({@code rules.paths} after the embedded
 * default unless {@code rules.includeDefault} is false) and alerts for no image in their
 * {@code vigil_posture_trusted_images}, appends and overrides included; with {@code --config} it follows
 * that config's rules and {@code posture.alertOn}, and the config's {@code state.procRoot} and
 * {@code state.cgroupRoot} are scanned unless the flags say otherwise. Exit 0 whatever it finds (findings
 * are a report, not an error); 1 if /proc cannot be read; 2 for a bad config or rules with errors (the
 * agent would not start).
 */
@Command(name = "posture", mixinStandardHelpOptions = true,
    description = "Scan /proc and the cgroups now: privileged container processes, capabilities beyond "
        + "Docker's default set, containers without a pids limit, each container's sandbox findings.")
public final class PostureCommand implements Callable<Integer> {
    /** The shipped rules' list of images whose posture findings never alert (their macro {@code vigil_posture_trusted_image}). */
    static final String TRUSTED_IMAGES_LIST = "vigil_posture_trusted_images";

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "print the report as one JSON object")
    boolean json;

    @Option(names = "--config", paramLabel = "FILE",
        description = "the agent's YAML config: its posture.alertOn and its rules' vigil_posture_trusted_images decide"
            + " which findings alert, its state.procRoot and state.cgroupRoot are scanned")
    Path configFile;

    @Option(names = "--proc-root", paramLabel = "DIR", description = "default: the config's state.procRoot, else /proc")
    String procRoot;

    @Option(names = "--cgroup-root", paramLabel = "DIR",
        description = "default: the config's state.cgroupRoot, else /sys/fs/cgroup")
    String cgroupRoot;

    /** Who a container is; null (the default): ask this node's runtimes ({@link Stages#postureIdentities()}). */
    Function<String, ContainerIdentity> identities;

    @Override
    public Integer call() throws Exception {
        VigilConfig config;
        Set<String> trusted;
        try {
            config = configFile != null ? new ConfigLoader().loadValid(configFile) : VigilConfig.defaults();
            trusted = Stages.postureTrustedImages(config, TRUSTED_IMAGES_LIST);
        } catch (ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        String procs = procRoot != null ? procRoot : config.state().procRoot();
        String cgroups = cgroupRoot != null ? cgroupRoot : config.state().cgroupRoot();
        PostureReport report;
        IdentitySource runtimes = identities == null ? Stages.postureIdentities() : IdentitySource.NONE;
        try {
            report = new PostureScanner(procs, cgroups, identities != null ? identities : runtimes::lookup,
                Stages.alertOn(config), trusted).scan();
        } catch (java.io.UncheckedIOException e) {
            spec.commandLine().getErr().println("posture: " + e.getMessage());
            return 1;
        } finally {
            runtimes.close();
        }
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            ObjectMapper mapper = new ObjectMapper()
                .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
            out.println(mapper.writeValueAsString(report));
        } else {
            printText(report, out);
        }
        out.flush();
        return 0;
    }

    static void printText(PostureReport r, PrintWriter out) {
        for (PostureReport.ProcessFinding f : r.privilegedProcesses()) {
            out.printf("privileged: pid=%d name=%s container=%s%s cap_effective=%s%n",
                f.pid(), f.name(), f.containerId(), workload(f.image(), f.pod(), f.namespace()), f.capEffective());
        }
        for (PostureReport.ProcessFinding f : r.capabilitiesBeyondDefault()) {
            out.printf("caps-beyond-default: pid=%d name=%s container=%s%s cap_effective=%s extra=%s%n",
                f.pid(), f.name(), f.containerId(), workload(f.image(), f.pod(), f.namespace()), f.capEffective(),
                String.join(",", f.extraCapabilities()));
        }
        for (PostureReport.SandboxFinding f : r.sandboxFindings()) {
            out.printf("%s: container=%s%s pid=%d %s%s%n", f.finding().replace('_', '-'), f.containerId(),
                workload(f.image(), f.pod(), f.namespace()), f.pid(), f.detail(), f.alerts() ? " (alerts)" : "");
        }
        for (PostureReport.ContainerPosture c : r.containersWithoutPidsLimit()) {
            out.printf("no-pids-limit: container=%s%s processes=%d cgroup=%s%n", c.containerId(),
                workload(c.image(), c.pod(), c.namespace()), c.processes(), c.pidsCgroup());
        }
        out.printf("posture: %d processes, %d containers, %d privileged, %d beyond default caps, %d without pids limit,"
                + " %d sandbox findings%n",
            r.processesScanned(), r.containers().size(), r.privilegedProcesses().size(),
            r.capabilitiesBeyondDefault().size(), r.containersWithoutPidsLimit().size(), r.sandboxFindings().size());
    }

    /** {@code " image=… pod=… namespace=…"}, each only when known: nothing is printed for what is not. */
    private static String workload(String image, String pod, String namespace) {
        StringBuilder sb = new StringBuilder();
        if (image != null) {
            sb.append(" image=").append(image);
        }
        if (pod != null) {
            sb.append(" pod=").append(pod);
        }
        if (namespace != null) {
            sb.append(" namespace=").append(namespace);
        }
        return sb.toString();
    }
}
