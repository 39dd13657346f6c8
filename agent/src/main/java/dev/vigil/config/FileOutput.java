package dev.vigil.config;

import java.util.List;

/**
 * {@code type: file}: JSON lines appended to a file, rotated by size.
 *
 * @param path         the JSON-lines file (required)
 * @param maxFileBytes rotate when the file would exceed this; default 100 MiB
 * @param maxFiles     rotated files kept (PATH.1 … PATH.N); default 5
 */
public record FileOutput(DeliveryConfig delivery, String path, Long maxFileBytes, Integer maxFiles)
    implements OutputConfig {
    public static final long DEFAULT_MAX_FILE_BYTES = 100L * 1024 * 1024;
    public static final int DEFAULT_MAX_FILES = 5;

    public FileOutput {
        delivery = delivery != null ? delivery : DeliveryConfig.defaults();
        maxFileBytes = maxFileBytes != null ? maxFileBytes : DEFAULT_MAX_FILE_BYTES;
        maxFiles = maxFiles != null ? maxFiles : DEFAULT_MAX_FILES;
    }

    public static FileOutput of(String path) {
        return new FileOutput(null, path, null, null);
    }

    @Override
    public FileOutput withDelivery(DeliveryConfig d) {
        return new FileOutput(d, path, maxFileBytes, maxFiles);
    }

    public FileOutput withRotation(long maxBytes, int files) {
        return new FileOutput(delivery, path, maxBytes, files);
    }

    @Override
    public void validateOwn(String key, List<String> errors) {
        if (path == null || path.isBlank()) {
            errors.add(key + ".path is required for a file output");
        }
        if (maxFileBytes < 4096) {
            errors.add(key + ".maxFileBytes must be >= 4096");
        }
        if (maxFiles < 0) {
            errors.add(key + ".maxFiles must be >= 0");
        }
    }
}
