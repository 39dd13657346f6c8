package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The config file is bounded as rule files are (issue 16, finding 10): no YAML alias, a size cap. */
class YamlLimitsTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void anAliasInTheConfigIsAnErrorNamingTheFileAndLineNotTheAnchorsName() {
        // Read as the anchor's name, procRoot would silently become "d".
        ConfigException e = assertThrows(ConfigException.class,
            () -> loader.parse("state:\n  stateDir: &d /var/lib/vigil\n  procRoot: *d\n", "cfg.yaml"));
        assertTrue(e.getMessage().startsWith("cfg.yaml:3: "), e.getMessage());
        assertTrue(e.getMessage().contains("YAML alias *d is not supported"), e.getMessage());
    }

    @Test
    void anAliasInAListIsAnErrorToo() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> loader.parse("rules:\n  paths: [&p /etc/vigil/a.yaml, *p]\n", "cfg.yaml"));
        assertTrue(e.getMessage().contains("cfg.yaml") && e.getMessage().contains("YAML alias *p"), e.getMessage());
    }

    @Test
    void aConfigFileOverTheSizeCapIsRefusedBeforeItIsRead(@TempDir Path dir) throws IOException {
        Path big = dir.resolve("vigil.yaml");
        Files.writeString(big, "hostname: n\n" + "#".repeat(ConfigLoader.MAX_BYTES) + "\n");
        ConfigException e = assertThrows(ConfigException.class, () -> loader.load(big));
        assertTrue(e.getMessage().contains(big.toString()) && e.getMessage().contains("larger than"), e.getMessage());
    }
}
