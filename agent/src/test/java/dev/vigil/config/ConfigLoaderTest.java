package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void defaultsWhenKeysAreAbsent() throws ConfigException {
        VigilConfig c = loader.parse("ingest:\n  socket: /tmp/x.sock\n", "t");
        assertEquals("/tmp/x.sock", c.ingest().socket());
        assertEquals(IngestConfig.DEFAULT_MAX_LINE_BYTES, c.ingest().maxLineBytes());
        assertEquals(PipelineConfig.DEFAULT_RING_SIZE, c.pipeline().ringSize());
        assertEquals(PipelineConfig.Backpressure.block, c.pipeline().backpressure());
        assertEquals(List.of("stdout"), c.outputs().stream().map(o -> o.type().yamlName()).toList());
        assertTrue(c.validate().isEmpty());
    }

    @Test
    void theSensorKeysBecomeTheSensorsFlags() throws ConfigException {
        assertEquals(List.of("--ring-mb", "4", "--cgroup-rate", "5000"), VigilConfig.defaults().sensor().flags());
        VigilConfig c = loader.parse("sensor:\n  ringMb: 1\n  cgroupRate: 0\n  cgroupBurst: 300\n", "t");
        assertEquals(List.of("--ring-mb", "1", "--cgroup-rate", "0", "--cgroup-burst", "300"), c.sensor().flags());
        VigilConfig bad = loader.parse("sensor:\n  ringMb: 3\n  cgroupRate: -1\n  cgroupBurst: -2\n", "t");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.check(bad));
        assertTrue(e.getMessage().contains("sensor.ringMb") && e.getMessage().contains("sensor.cgroupRate")
            && e.getMessage().contains("sensor.cgroupBurst"), e.getMessage());
    }

    @Test
    void anUnknownKeyNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> loader.parse("pipeline:\n  ringsize: 1024\n", "cfg.yaml"));
        assertTrue(e.getMessage().contains("pipeline.ringsize"), e.getMessage());
    }

    @Test
    void aBadValueNamesTheKey() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> loader.parse("pipeline:\n  backpressure: sometimes\n", "cfg.yaml"));
        assertTrue(e.getMessage().contains("pipeline.backpressure"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> loader.parse("ingest:\n  maxLineBytes: lots\n", "cfg.yaml"));
        assertTrue(e.getMessage().contains("ingest.maxLineBytes"), e.getMessage());
    }

    @Test
    void validationNamesEveryBadKey() throws ConfigException {
        VigilConfig c = loader.parse("pipeline:\n  ringSize: 1000\ningest:\n  maxConnections: 0\n"
            + "outputs:\n  - type: file\n", "t");
        List<String> errors = c.validate();
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("pipeline.ringSize")), errors.toString());
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("ingest.maxConnections")), errors.toString());
        assertTrue(errors.stream().anyMatch(m -> m.startsWith("outputs[0].path")), errors.toString());
    }

    @Test
    void identityWaitDefaultsTo300AndIsValidated() throws ConfigException {
        assertEquals(300, loader.parse("hostname: n\n", "t").alerts().identityWaitMillis());
        VigilConfig c = loader.parse("clusterName: prod-eu\nalerts:\n  identityWaitMillis: 0\n", "t");
        assertEquals(0, c.alerts().identityWaitMillis(), "0 turns the wait off");
        assertEquals("prod-eu", c.clusterName());
        assertTrue(c.validate().isEmpty(), c.validate().toString());
        for (String bad : new String[] {"-1", "60001"}) {
            List<String> errors = loader.parse("alerts:\n  identityWaitMillis: " + bad + "\n", "t").validate();
            assertTrue(errors.stream().anyMatch(m -> m.startsWith("alerts.identityWaitMillis")), errors.toString());
        }
        assertEquals(5, loader.parse("alerts:\n  identityWaitMillis: 5\n  spoolDir: /x\n", "t").alerts()
            .withSpoolDir("/y").identityWaitMillis(), "kept when the spool directory is set");
    }
}
