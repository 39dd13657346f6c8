package dev.vigil.output;

import java.util.List;

/** {@code kafka://BROKER[:PORT][,BROKER…]/TOPIC}: the bootstrap servers and the topic. */
public record KafkaTarget(List<String> brokers, String topic) {
    /** @param spec what to name in an error (the flag or key as given) */
    public static KafkaTarget parse(String url, String spec) {
        String rest = url.substring("kafka://".length());
        int slash = rest.indexOf('/');
        if (slash <= 0) {
            throw OutputSpecs.bad(spec, "expected kafka://BROKER:PORT[,BROKER:PORT…]/TOPIC");
        }
        String topic = rest.substring(slash + 1);
        if (!topic.matches("[A-Za-z0-9._-]{1,249}")) {
            throw OutputSpecs.bad(spec, "topic '" + topic + "' is not a valid Kafka topic name");
        }
        List<String> brokers = List.of(rest.substring(0, slash).split(","));
        for (String b : brokers) {
            if (b.isBlank()) {
                throw OutputSpecs.bad(spec, "empty broker in the list");
            }
        }
        brokers = brokers.stream().map(b -> b.contains(":") ? b : b + ":9092").toList();
        return new KafkaTarget(brokers, topic);
    }
}
