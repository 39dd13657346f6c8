package dev.vigil.config;

import java.util.List;

/**
 * One alert destination (YAML: an item of {@code outputs}): a record per kind, chosen by the item's
 * {@code type} key and holding only that kind's keys, plus the {@link DeliveryConfig} every kind
 * shares. In YAML all of an item's keys stand flat beside {@code type}; a key of another kind is an
 * error naming the key and the type (see {@link OutputConfigDeserializer}). Every key but {@code type}
 * (and the {@code url} or {@code path} a kind needs) has a default; see docs/outputs.md.
 *
 * <p>Code that handles every kind switches over {@link #type()} with no {@code default}, so that a new
 * kind fails to compile until it is handled.
 */
public sealed interface OutputConfig permits StdoutOutput, FileOutput, RemoteOutput {
    /** Name, filter, queue, spool and backoff. */
    DeliveryConfig delivery();

    /** This output with another delivery block. */
    OutputConfig withDelivery(DeliveryConfig delivery);

    /** The kind: what {@code type:} said. */
    default OutputType type() {
        return OutputType.of(getClass());
    }

    /** The sink's name before the dispatcher makes it unique. */
    default String nameOrType() {
        return delivery().name() != null ? delivery().name() : type().yamlName();
    }

    /** This output with another name. */
    default OutputConfig withName(String name) {
        return withDelivery(delivery().withName(name));
    }

    /** Every problem of this output, each naming its key ({@code outputs[2].queueCapacity …}). */
    default void validate(int index, List<String> errors) {
        String key = "outputs[" + index + "]";
        validateOwn(key, errors);
        delivery().validate(key, errors);
    }

    /** The problems of this kind's own keys. */
    void validateOwn(String key, List<String> errors);
}
