package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedBaselinesConfigTest {
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void offUnlessAUrlIsGiven() {
        assertFalse(VigilConfig.defaults().rules().sharedBaselines().enabled());
        assertEquals(List.of(), VigilConfig.defaults().validate());
    }

    @Test
    void readsTheKafkaOutputsKeys() throws Exception {
        VigilConfig c = loader.parse("""
            rules:
              sharedBaselines:
                url: kafka://k1:9093,k2:9093/vigil-baselines
                properties: {security.protocol: SASL_SSL, sasl.mechanism: SCRAM-SHA-512}
                loadTimeoutMillis: 0
            """, "test");
        SharedBaselinesConfig s = c.rules().sharedBaselines();
        assertTrue(s.enabled());
        assertEquals(Map.of("security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512"), s.properties());
        assertEquals(0, s.loadTimeoutMillis());
        assertEquals(SharedBaselinesConfig.DEFAULT_QUEUE_CAPACITY, s.queueCapacity());
        assertEquals(List.of(), c.validate());
    }

    @Test
    void eachBadValueIsNamedByItsKey() {
        SharedBaselinesConfig bad = new SharedBaselinesConfig("http://k1/topic", "/no/such/ca.pem", null, 0, 0, -1, 0, 1L);
        List<String> errors = VigilConfig.defaults().withRules(RulesConfig.defaults().withSharedBaselines(bad)).validate();
        assertEquals(List.of(
            "rules.sharedBaselines.url must be kafka://BROKER:PORT[,BROKER:PORT…]/TOPIC, got 'http://k1/topic'",
            "rules.sharedBaselines.connectTimeoutMillis must be > 0",
            "rules.sharedBaselines.requestTimeoutMillis must be > 0",
            "rules.sharedBaselines.loadTimeoutMillis must be >= 0",
            "rules.sharedBaselines.queueCapacity must be > 0",
            "rules.sharedBaselines.spoolMaxBytes must be >= 65536",
            "rules.sharedBaselines.caFile /no/such/ca.pem is not a readable file"), errors);
        assertFalse(VigilConfig.defaults().withRules(RulesConfig.defaults().withSharedBaselines(
            SharedBaselinesConfig.of("kafka://k1:9092/bad topic"))).validate().isEmpty(), "a topic name Kafka refuses");
    }
}
