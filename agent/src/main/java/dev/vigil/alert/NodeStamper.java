package dev.vigil.alert;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes where an alert was raised into its {@code output_fields}: {@code k8s.node.name} (the node) and
 * {@code k8s.cluster.name} (left out when no cluster name is configured), then passes it on. They go in
 * {@code output_fields}, not beside {@code hostname} at the top level, so the Falco format that
 * Falcosidekick and the SIEM parsers read stays as it is (Falco 0.38+ users add such fields the same
 * way, with {@code append_output}). A rule output naming them is rendered again with their values.
 *
 * <p>Threading: {@link #emit} on the pipeline thread, as the rules call it; stateless beyond its
 * immutable settings, so any thread is safe. Allocates per alert.
 */
public final class NodeStamper implements AlertEmitter {
    public static final String NODE_NAME = "k8s.node.name";
    public static final String CLUSTER_NAME = "k8s.cluster.name";

    private final String nodeName;
    private final String clusterName;
    private final AlertEmitter downstream;

    /**
     * @param nodeName    the node's name; null or blank: not written
     * @param clusterName the configured cluster name; null or blank: not written
     */
    public NodeStamper(String nodeName, String clusterName, AlertEmitter downstream) {
        this.nodeName = nodeName == null || nodeName.isBlank() ? null : nodeName;
        this.clusterName = clusterName == null || clusterName.isBlank() ? null : clusterName;
        this.downstream = downstream;
    }

    @Override
    public void emit(Alert alert) {
        if (nodeName == null && clusterName == null) {
            downstream.emit(alert);
            return;
        }
        Map<String, Object> f = new LinkedHashMap<>();
        if (alert.outputFields() != null) {
            f.putAll(alert.outputFields());
        }
        if (nodeName != null) {
            f.put(NODE_NAME, nodeName);
        }
        if (clusterName != null) {
            f.put(CLUSTER_NAME, clusterName);
        }
        downstream.emit(alert.withOutputFields(f));
    }
}
