package dev.vigil.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The agent's whole configuration: one YAML file, then command-line flags over it. Immutable;
 * each component receives only its own section.
 *
 * @param hostname the node name written in alerts; default: $VIGIL_HOSTNAME, else $NODE_NAME, else the system's
 * @param alerts   dedup, rate limits and the spool directory (default: stateDir/spool)
 */
public record VigilConfig(String hostname, IngestConfig ingest, PipelineConfig pipeline, MetricsConfig metrics,
                          RulesConfig rules, StateConfig state, List<OutputConfig> outputs, AlertsConfig alerts) {
    public VigilConfig {
        ingest = ingest != null ? ingest : IngestConfig.defaults();
        pipeline = pipeline != null ? pipeline : PipelineConfig.defaults();
        metrics = metrics != null ? metrics : MetricsConfig.defaults();
        rules = rules != null ? rules : RulesConfig.defaults();
        state = state != null ? state : StateConfig.defaults();
        outputs = outputs != null ? List.copyOf(outputs) : List.of(new OutputConfig("stdout", null, null, null));
        alerts = alerts != null ? alerts : new AlertsConfig(null, null, null, null, null, null);
        if (alerts.spoolDir() == null) {
            // The spool lives with the rest of the agent's state unless placed elsewhere.
            alerts = alerts.withSpoolDir(java.nio.file.Path.of(state.stateDir(), "spool").toString());
        }
    }

    public static VigilConfig defaults() {
        return new VigilConfig(null, null, null, null, null, null, null, null);
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
        return errors;
    }

    public VigilConfig withIngest(IngestConfig v) {
        return new VigilConfig(hostname, v, pipeline, metrics, rules, state, outputs, alerts);
    }

    public VigilConfig withPipeline(PipelineConfig v) {
        return new VigilConfig(hostname, ingest, v, metrics, rules, state, outputs, alerts);
    }

    public VigilConfig withMetrics(MetricsConfig v) {
        return new VigilConfig(hostname, ingest, pipeline, v, rules, state, outputs, alerts);
    }

    public VigilConfig withRules(RulesConfig v) {
        return new VigilConfig(hostname, ingest, pipeline, metrics, v, state, outputs, alerts);
    }

    public VigilConfig withState(StateConfig v) {
        return new VigilConfig(hostname, ingest, pipeline, metrics, rules, v, outputs, alerts);
    }

    public VigilConfig withAlerts(AlertsConfig v) {
        return new VigilConfig(hostname, ingest, pipeline, metrics, rules, state, outputs, v);
    }

    public VigilConfig withOutputs(List<OutputConfig> v) {
        return new VigilConfig(hostname, ingest, pipeline, metrics, rules, state, v, alerts);
    }
}
