package dev.vigil.config;

import java.util.List;

/**
 * One alert destination.
 *
 * @param type        stdout, file, syslog, http, kafka
 * @param url         for syslog/http/kafka: the --output spec form (syslog+tcp://H:P, https://…, kafka://B/T)
 * @param path        for file: the JSON-lines file
 * @param minPriority least severe priority sent to this sink (Falco's names); default debug (all)
 */
public record OutputConfig(String type, String url, String path, String minPriority) {
    public OutputConfig {
        minPriority = minPriority != null ? minPriority : "debug";
    }

    void validate(int index, List<String> errors) {
        String key = "outputs[" + index + "]";
        if (type == null) {
            errors.add(key + ".type is required (stdout, file, syslog, http, kafka)");
            return;
        }
        switch (type) {
            case "stdout" -> { }
            case "file" -> {
                if (path == null || path.isBlank()) {
                    errors.add(key + ".path is required for a file output");
                }
            }
            case "syslog", "http", "kafka" -> {
                if (url == null || url.isBlank()) {
                    errors.add(key + ".url is required for a " + type + " output");
                }
            }
            default -> errors.add(key + ".type must be one of stdout, file, syslog, http, kafka, got '" + type + "'");
        }
        try {
            dev.vigil.alert.Priority.parse(minPriority);
        } catch (IllegalArgumentException e) {
            errors.add(key + ".minPriority must be a Falco priority, got '" + minPriority + "'");
        }
    }
}
