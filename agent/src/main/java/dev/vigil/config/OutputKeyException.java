package dev.vigil.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonMappingException;

/**
 * An output item's key that its type rules out, or a missing or unknown {@code type}. Its path (built
 * by databind as it unwinds: {@code outputs[1].format}) plus its message make the user's message:
 * {@code outputs[1].format is not a key of type http (it belongs to type syslog)}.
 */
final class OutputKeyException extends JsonMappingException {
    private static final long serialVersionUID = 1L;

    /**
     * @param key  the key at fault, the last step of the path
     * @param rest what follows the key in the message ({@code is required (stdout, …)})
     */
    OutputKeyException(JsonParser p, String key, String rest) {
        super(p, rest);
        prependPath(OutputConfig.class, key);
    }
}
