package dev.vigil.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads an item of {@code outputs}: its {@code type} picks the record, its keys go to that record or
 * to the shared {@link DeliveryConfig}, each bound by databind as strictly as the rest of the config.
 * A key no kind has is an unknown key (as anywhere in the file); a key of another kind names both
 * ({@code outputs[1].format is not a key of type http (it belongs to type syslog)}): such a key did
 * nothing, and a user who wrote it expected it to.
 *
 * <p>Keys are the records' component names, so the YAML cannot drift from the records. Stateless.
 */
final class OutputConfigDeserializer extends StdDeserializer<OutputConfig> {
    private static final long serialVersionUID = 1L;
    private static final String TYPE = "type";
    private static final Set<String> DELIVERY_KEYS = componentNames(DeliveryConfig.class);
    private static final Map<OutputType, Set<String>> OWN_KEYS = ownKeys();

    OutputConfigDeserializer() {
        super(OutputConfig.class);
    }

    /** Every key an item of kind {@code type} accepts, {@code type} included. */
    static Set<String> keysOf(OutputType type) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(TYPE);
        keys.addAll(OWN_KEYS.get(type));
        keys.addAll(DELIVERY_KEYS);
        return keys;
    }

    @Override
    public OutputConfig deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode item = ctxt.readTree(p);
        if (!item.isObject()) {
            throw MismatchedInputException.from(p, OutputConfig.class,
                "an output is a mapping with a type, e.g. {type: stdout}");
        }
        JsonNode typeNode = item.get(TYPE);
        if (typeNode == null || typeNode.isNull()) {
            throw new OutputKeyException(p, TYPE, "is required (" + OutputType.names() + ")");
        }
        OutputType type = typeNode.isTextual() ? OutputType.named(typeNode.textValue()) : null;
        if (type == null) {
            throw new OutputKeyException(p, TYPE, "must be one of " + OutputType.names() + ", got '"
                + (typeNode.isTextual() ? typeNode.textValue() : typeNode.toString()) + "'");
        }
        ObjectNode own = ctxt.getNodeFactory().objectNode();
        ObjectNode delivery = ctxt.getNodeFactory().objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = item.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.equals(TYPE)) {
                continue;
            }
            if (DELIVERY_KEYS.contains(key)) {
                delivery.set(key, e.getValue());
            } else if (OWN_KEYS.get(type).contains(key)) {
                own.set(key, e.getValue());
            } else {
                throw misplaced(p, type, key);
            }
        }
        DeliveryConfig d = ctxt.readTreeAsValue(delivery, DeliveryConfig.class);
        return ctxt.readTreeAsValue(own, type.record()).withDelivery(d);
    }

    private static IOException misplaced(JsonParser p, OutputType type, String key) {
        List<String> owners = new ArrayList<>();
        for (OutputType t : OutputType.values()) {
            if (OWN_KEYS.get(t).contains(key)) {
                owners.add(t.yamlName());
            }
        }
        if (owners.isEmpty()) {
            Collection<Object> known = new ArrayList<>(keysOf(type));
            return UnrecognizedPropertyException.from(p, OutputConfig.class, key, known);
        }
        return new OutputKeyException(p, key, "is not a key of type " + type.yamlName() + " (it belongs to type"
            + (owners.size() > 1 ? "s " : " ") + String.join(", ", owners) + ")");
    }

    private static Map<OutputType, Set<String>> ownKeys() {
        Map<OutputType, Set<String>> keys = new EnumMap<>(OutputType.class);
        for (OutputType t : OutputType.values()) {
            Set<String> own = componentNames(t.record());
            own.remove("delivery");
            keys.put(t, Collections.unmodifiableSet(own));
        }
        return keys;
    }

    private static Set<String> componentNames(Class<?> record) {
        Set<String> names = new LinkedHashSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            names.add(c.getName());
        }
        return names;
    }
}
