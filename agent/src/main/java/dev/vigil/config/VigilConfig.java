package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent's whole configuration: one YAML file, then command-line flags over it. Immutable;
 * each component receives only its own section.
 *
 * @param hostname    the node name written in alerts; default: $VIGIL_HOSTNAME, else $NODE_NAME, else the system's
 * @param clusterName the cluster's name, written in every alert as {@code k8s.cluster.name} so that a SIEM fed
 *                    by several clusters tells them apart; default: none (the field is left out)
 * @param alerts      dedup, rate limits and the spool directory (default: stateDir/spool)
 * @param runtime     the container runtimes asked for identity
 * @param process     the user the agent switches to after starting the sensor, when started as root
 * @param posture     each container's sandbox, read as its workload starts, and which findings alert
 * @param sensor      the flags of the bundled sensor the agent starts ({@code vigil run --sensor})
 */
public record VigilConfig(String hostname, String clusterName, IngestConfig ingest, PipelineConfig pipeline,
                          MetricsConfig metrics, RulesConfig rules, StateConfig state, List<OutputConfig> outputs,
                          AlertsConfig alerts, RuntimeConfig runtime, ProcessConfig process,
                          PostureConfig posture, SensorConfig sensor) {
    public VigilConfig {
        process = process != null ? process : ProcessConfig.defaults();
        posture = posture != null ? posture : PostureConfig.defaults();
        sensor = sensor != null ? sensor : SensorConfig.defaults();
        runtime = runtime != null ? runtime : RuntimeConfig.defaults();
        ingest = ingest != null ? ingest : IngestConfig.defaults();
        pipeline = pipeline != null ? pipeline : PipelineConfig.defaults();
        metrics = metrics != null ? metrics : MetricsConfig.defaults();
        rules = rules != null ? rules : RulesConfig.defaults();
        state = state != null ? state : StateConfig.defaults();
        outputs = outputs != null ? List.copyOf(outputs) : List.of(StdoutOutput.defaults());
        alerts = alerts != null ? alerts : new AlertsConfig(null, null, null, null, null, null);
        if (alerts.spoolDir() == null) {
            // The spool lives with the rest of the agent's state unless placed elsewhere.
            alerts = alerts.withSpoolDir(java.nio.file.Path.of(state.stateDir(), "spool").toString());
        }
    }

    public static VigilConfig defaults() {
        return new VigilConfig(null, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Every problem, each naming its key; empty when the config is valid. */
    public List<String> validate() {
        List<String> errors = new ArrayList<>();
        ingest.validate(errors);
        pipeline.validate(errors);
        metrics.validate(errors);
        rules.validate(errors);
        state.validate(errors);
        for (int i = 0; i < outputs.size(); i++) {
            outputs.get(i).validate(i, errors);
        }
        alerts.validate(errors);
        runtime.validate(errors);
        process.validate(errors);
        posture.validate(errors);
        sensor.validate(errors);
        return errors;
    }

    public VigilConfig withIngest(IngestConfig v) {
        return new VigilConfig(hostname, clusterName, v, pipeline, metrics, rules, state, outputs, alerts, runtime, process, posture, sensor);
    }

    public VigilConfig withPipeline(PipelineConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, v, metrics, rules, state, outputs, alerts, runtime, process, posture, sensor);
    }

    public VigilConfig withMetrics(MetricsConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, v, rules, state, outputs, alerts, runtime, process, posture, sensor);
    }

    public VigilConfig withRules(RulesConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, metrics, v, state, outputs, alerts, runtime, process, posture, sensor);
    }

    public VigilConfig withState(StateConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, metrics, rules, v, outputs, alerts, runtime, process, posture, sensor);
    }

    public VigilConfig withAlerts(AlertsConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, metrics, rules, state, outputs, v, runtime, process, posture, sensor);
    }

    public VigilConfig withRuntime(RuntimeConfig v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, metrics, rules, state, outputs, alerts, v, process, posture, sensor);
    }

    public VigilConfig withOutputs(List<OutputConfig> v) {
        return new VigilConfig(hostname, clusterName, ingest, pipeline, metrics, rules, state, v, alerts, runtime, process, posture, sensor);
    }
}
