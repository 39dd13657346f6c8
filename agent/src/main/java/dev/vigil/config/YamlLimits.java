package dev.vigil.config;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;

import java.io.IOException;

/**
 * The bounds on every YAML document the agent reads (rule files, the config file): a size in code
 * points, and no aliases.
 *
 * <p>Why no aliases: Jackson reads YAML event by event and does not expand an alias; it reports
 * {@code *name} as the string {@code "name"}, so {@code items: *shells} would silently become a list
 * of one word. Expanding them is what an alias bomb abuses (nine levels of ten make 10^9 nodes from
 * a few hundred bytes). Neither is wanted in a rule or config file, so an alias is an error at its
 * line. SnakeYAML's own cap ({@link LoaderOptions#setMaxAliasesForCollections}) is set to 1 as
 * well, but only SnakeYAML's composer consults it, and Jackson does not use the composer:
 * {@link #rejectingAliases} is what enforces the rule.
 *
 * <p>Stateless; thread-safe.
 */
public final class YamlLimits {
    private YamlLimits() {
    }

    /** A factory whose parsers stop with an error past {@code maxCodePoints}. */
    public static YAMLFactory factory(int maxCodePoints) {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(maxCodePoints);
        options.setMaxAliasesForCollections(1);
        return YAMLFactory.builder().loaderOptions(options).build();
    }

    /**
     * The parser, throwing a {@link JsonParseException} (at the alias's line) on the first YAML
     * alias instead of returning the anchor's name as a value. The caller closes the parser it gets.
     */
    public static JsonParser rejectingAliases(JsonParser parser) {
        if (!(parser instanceof YAMLParser yaml)) {
            return parser;
        }
        return new JsonParserDelegate(yaml) {
            @Override
            public JsonToken nextToken() throws IOException {
                JsonToken t = super.nextToken();
                if (yaml.isCurrentAlias()) {
                    throw new JsonParseException(yaml, "YAML alias *" + yaml.getText()
                        + " is not supported (aliases are not expanded): write the value out");
                }
                return t;
            }

            // The delegate's own next…() shortcuts would step past the check: route them through it.
            @Override
            public JsonToken nextValue() throws IOException {
                JsonToken t = nextToken();
                return t == JsonToken.FIELD_NAME ? nextToken() : t;
            }

            @Override
            public String nextFieldName() throws IOException {
                return nextToken() == JsonToken.FIELD_NAME ? currentName() : null;
            }

            @Override
            public boolean nextFieldName(SerializableString name) throws IOException {
                return nextToken() == JsonToken.FIELD_NAME && name.getValue().equals(currentName());
            }

            @Override
            public String nextTextValue() throws IOException {
                return nextToken() == JsonToken.VALUE_STRING ? getText() : null;
            }

            @Override
            public int nextIntValue(int defaultValue) throws IOException {
                return nextToken() == JsonToken.VALUE_NUMBER_INT ? getIntValue() : defaultValue;
            }

            @Override
            public long nextLongValue(long defaultValue) throws IOException {
                return nextToken() == JsonToken.VALUE_NUMBER_INT ? getLongValue() : defaultValue;
            }

            @Override
            public Boolean nextBooleanValue() throws IOException {
                JsonToken t = nextToken();
                return t == JsonToken.VALUE_TRUE ? Boolean.TRUE : t == JsonToken.VALUE_FALSE ? Boolean.FALSE : null;
            }
        };
    }
}
