package dev.vigil.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads the YAML config file strictly: an unknown key or a value of the wrong form is an error, and
 * so are an output's key that belongs to another type of output ({@link OutputConfigDeserializer}), a
 * file over {@link #MAX_BYTES} and a YAML alias (see {@link YamlLimits}).
 */
public final class ConfigLoader {
    /** A config file is a few KB; far past any real one, and read whole, so checked before reading. */
    static final int MAX_BYTES = 1024 * 1024;
    private final ObjectMapper yaml = new ObjectMapper(YamlLimits.factory(MAX_BYTES))
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .registerModule(new SimpleModule("vigil-outputs").addDeserializer(OutputConfig.class,
            new OutputConfigDeserializer()));

    public VigilConfig load(Path file) throws ConfigException {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("config file " + file + " does not exist or is not a file");
        }
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new ConfigException("config file " + file + " is larger than " + MAX_BYTES + " bytes");
            }
            String text = Files.readString(file);
            VigilConfig c = text.isBlank() ? VigilConfig.defaults() : parse(text, file.toString());
            return c != null ? c : VigilConfig.defaults();
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
    }

    VigilConfig parse(String text, String source) throws ConfigException {
        try {
            // A first pass for aliases alone: inside binding, databind would report one as a bad value
            // of the key that holds it, without its line.
            try (JsonParser p = YamlLimits.rejectingAliases(yaml.getFactory().createParser(text))) {
                while (p.nextToken() != null) {
                    continue; // the parser throws at the first alias
                }
            }
            return yaml.readValue(text, VigilConfig.class);
        } catch (OutputKeyException e) {
            throw new ConfigException(source + ": " + path(e) + " " + e.getOriginalMessage());
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(source + ": unknown key '" + path(e) + "'");
        } catch (JsonMappingException e) {
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw new ConfigException(source + ": bad value for '" + path(e) + "': "
                + (nl > 0 ? msg.substring(0, nl) : msg));
        } catch (JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : 0;
            throw new ConfigException(source + (line > 0 ? ":" + line : "") + ": not valid YAML: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(source + ": cannot read: " + e.getMessage());
        }
    }

    /** The dotted key of a mapping error: {@code ingest.maxLineBytes}, {@code outputs[1].type}. */
    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        List<JsonMappingException.Reference> refs = e.getPath();
        for (JsonMappingException.Reference r : refs) {
            if (r.getFieldName() != null) {
                if (sb.length() > 0) {
                    sb.append('.');
                }
                sb.append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                sb.append('[').append(r.getIndex()).append(']');
            }
        }
        return sb.toString();
    }

    /** Loads and validates; all validation problems in one message. */
    public VigilConfig loadValid(Path file) throws ConfigException {
        VigilConfig c = load(file);
        check(c);
        return c;
    }

    public static void check(VigilConfig c) throws ConfigException {
        List<String> errors = c.validate();
        if (!errors.isEmpty()) {
            throw new ConfigException(String.join("; ", errors));
        }
    }
}
