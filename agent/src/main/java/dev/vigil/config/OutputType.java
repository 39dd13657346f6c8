package dev.vigil.config;

import java.util.Arrays;

/**
 * The kinds of output, by the name the YAML key {@code type} gives them, each with the record that
 * holds its keys. A {@code switch} over this enum with no {@code default} is how code that handles
 * every kind is checked by the compiler (Java 17 has no pattern {@code switch} over the sealed
 * {@link OutputConfig}): a new kind breaks the build until each such switch handles it.
 */
public enum OutputType {
    STDOUT("stdout", StdoutOutput.class),
    FILE("file", FileOutput.class),
    SYSLOG("syslog", SyslogOutput.class),
    HTTP("http", HttpOutput.class),
    KAFKA("kafka", KafkaOutput.class);

    private final String yamlName;
    private final Class<? extends OutputConfig> record;

    OutputType(String yamlName, Class<? extends OutputConfig> record) {
        this.yamlName = yamlName;
        this.record = record;
    }

    /** As written after {@code type:}. */
    public String yamlName() {
        return yamlName;
    }

    /** The record holding this kind's own keys (and its {@link DeliveryConfig}). */
    public Class<? extends OutputConfig> record() {
        return record;
    }

    /** The kind of {@code type: NAME}, or null when there is none. */
    public static OutputType named(String name) {
        for (OutputType t : values()) {
            if (t.yamlName.equals(name)) {
                return t;
            }
        }
        return null;
    }

    /** The kind a record class stands for. */
    static OutputType of(Class<? extends OutputConfig> record) {
        for (OutputType t : values()) {
            if (t.record == record) {
                return t;
            }
        }
        throw new IllegalStateException(record + " is not an output record");
    }

    /** {@code stdout, file, syslog, http, kafka}: for messages. */
    public static String names() {
        return String.join(", ", Arrays.stream(values()).map(OutputType::yamlName).toList());
    }

    @Override
    public String toString() {
        return yamlName;
    }
}
