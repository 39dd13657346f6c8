package dev.vigil.config;

import java.util.List;

/** {@code type: stdout}: JSON lines on standard output; no keys of its own. */
public record StdoutOutput(DeliveryConfig delivery) implements OutputConfig {
    public StdoutOutput {
        delivery = delivery != null ? delivery : DeliveryConfig.defaults();
    }

    public static StdoutOutput defaults() {
        return new StdoutOutput(null);
    }

    @Override
    public StdoutOutput withDelivery(DeliveryConfig d) {
        return new StdoutOutput(d);
    }

    @Override
    public void validateOwn(String key, List<String> errors) {
    }
}
