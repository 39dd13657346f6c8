package dev.vigil.rules;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.vigil.config.YamlLimits;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The first step of loading rules: reads a rule file (a YAML list of items) into its raw items, each
 * with its file and the line it starts on, so that every later problem prints as
 * {@code file:line: reason}. It does not look inside an item: that is the {@link RuleCollector}'s work.
 *
 * <p>Contract: a file that cannot be opened or read, is not valid YAML, holds a YAML alias, is longer
 * than {@link #MAX_CODE_POINTS} or is not a list is one {@link Problem.Kind#ERROR} (see
 * {@link YamlLimits}); the items read before a YAML error are kept. An empty file has no
 * items. Stateless; thread-safe.
 */
final class RuleFileReader {
    /** 40 times the largest upstream Falco file (95 KB): a bound, not a constraint on real files. */
    static final int MAX_CODE_POINTS = 4 * 1024 * 1024;
    private static final YAMLFactory YAML = YamlLimits.factory(MAX_CODE_POINTS);
    private static final ObjectMapper MAPPER = new ObjectMapper(YAML);

    /** One top-level item of a rule file. */
    record Item(String file, int line, JsonNode node) {
    }

    /** The items of one source; a source that cannot be opened is an error naming it. */
    static List<Item> read(RulesetLoader.RuleSource source, List<Problem> problems) {
        try (InputStream in = source.open()) {
            return read(source.name(), in, problems);
        } catch (IOException e) {
            problems.add(new Problem(source.name(), 0, Problem.Kind.ERROR, "cannot read: " + e.getMessage()));
            return List.of();
        }
    }

    static List<Item> read(String file, InputStream in, List<Problem> problems) {
        List<Item> items = new ArrayList<>();
        try (JsonParser p = YamlLimits.rejectingAliases(YAML.createParser(in))) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return items; // an empty file: no items
            }
            if (t != JsonToken.START_ARRAY) {
                problems.add(new Problem(file, p.currentTokenLocation().getLineNr(), Problem.Kind.ERROR,
                    "a rules file must be a YAML list of items"));
                return items;
            }
            while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
                int line = p.currentTokenLocation().getLineNr();
                JsonNode node = MAPPER.readTree(p);
                items.add(new Item(file, line, node));
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() != null ? e.getLocation().getLineNr() : 0;
            problems.add(new Problem(file, line, Problem.Kind.ERROR, "invalid YAML: " + e.getOriginalMessage()));
        } catch (IOException e) {
            problems.add(new Problem(file, 0, Problem.Kind.ERROR, "cannot read: " + e.getMessage()));
        }
        return items;
    }
}
