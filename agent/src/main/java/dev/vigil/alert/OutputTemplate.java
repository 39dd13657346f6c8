package dev.vigil.alert;

import java.util.Map;

/**
 * A rule's output message, compiled, that renders from an alert's {@code output_fields}: what the alert
 * stage needs to write the message again once it has learned more (the container's identity, the node).
 * Implemented by the rules stage's compiled output. Immutable and thread-safe.
 */
@FunctionalInterface
public interface OutputTemplate {
    /**
     * The message with every {@code %field} replaced by its value in {@code fields}, as Falco renders it:
     * {@code <NA>} for a field that is absent or null. Allocates (alerts are rare).
     */
    String render(Map<String, Object> fields);
}
