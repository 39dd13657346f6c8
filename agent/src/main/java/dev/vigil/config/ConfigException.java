package dev.vigil.config;

/** A configuration that cannot be used; the message names the key. The CLI exits 2. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
