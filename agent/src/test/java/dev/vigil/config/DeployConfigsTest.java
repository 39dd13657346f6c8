package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.vigil.testing.Repo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every agent config the repository ships (the commented example, the image's default, the
 * DaemonSet's ConfigMap) loads strictly and validates: a renamed key cannot drift out of them.
 */
class DeployConfigsTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void theShippedConfigFilesLoadAndValidate() throws Exception {
        for (String file : List.of("deploy/examples/config.yaml", "deploy/docker/config.yaml")) {
            Path p = Repo.root().resolve(file);
            VigilConfig c = loader.load(p);
            assertEquals(List.of(), c.validate(), file);
        }
    }

    @Test
    void theConfigMapsConfigLoadsAndValidates() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        String text = Files.readString(Repo.root().resolve("deploy/configmap.yaml"));
        boolean found = false;
        try (YAMLParser parser = new YAMLFactory().createParser(text)) {
            for (JsonNode doc : yaml.readValues(parser, JsonNode.class).readAll()) {
                JsonNode cfg = doc.path("data").path("config.yaml");
                if (cfg.isTextual()) {
                    VigilConfig c = loader.parse(cfg.asText(), "configmap.yaml:data.config.yaml");
                    assertEquals(List.of(), c.validate());
                    found = true;
                }
            }
        }
        assertTrue(found, "deploy/configmap.yaml holds data.config.yaml");
    }
}
