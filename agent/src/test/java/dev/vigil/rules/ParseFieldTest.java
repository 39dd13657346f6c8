package dev.vigil.rules;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link ConditionParser#parseField}: a field (or a transformer over one) named alone, and nothing else. */
class ParseFieldTest {
    @Test
    void parsesFieldsArgumentsAndTransformers() throws Exception {
        assertEquals(new Ast.FieldRef("proc.name", null), ConditionParser.parseField("proc.name"));
        assertEquals(new Ast.FieldRef("proc.aname", "2"), ConditionParser.parseField(" proc.aname[2] "));
        assertEquals(new Ast.FieldRef("container.label", "app.kubernetes.io/name"),
            ConditionParser.parseField("container.label[app.kubernetes.io/name]"));
        assertEquals(new Ast.Transform("tolower", new Ast.FieldRef("proc.name", null)),
            ConditionParser.parseField("tolower(proc.name)"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "proc", "proc.name exists", "proc.name = x", "proc.name and x", "(proc.name)",
        "proc..name", "tolower(proc.name", "proc.name)"})
    void rejectsAnythingButOneField(String text) {
        assertThrows(ConditionSyntaxException.class, () -> ConditionParser.parseField(text));
    }

    @Test
    void exceptionAndAggregateFieldsUseIt() {
        LoadResult r = LoaderTest.load("""
            - rule: R
              condition: evt.type = execve
              output: o
              priority: INFO
              exceptions:
                - name: lower
                  fields: [tolower(proc.name)]
                  values: [[bash]]
                - name: bad
                  fields: [proc.name exists]
                  values: [[x]]
            - rule: A
              condition: evt.type = execve
              output: o
              priority: INFO
              aggregate: {by: [proc.name = x], window: 1s, count: 2}
            """);
        List<String> p = r.problems().stream().map(Problem::toString).toList();
        assertEquals(List.of("f1.yaml:1: error: rule 'R': exception 'bad': invalid field 'proc.name exists'",
            "f1.yaml:12: error: rule 'A': invalid field 'proc.name = x' in aggregate.by"), p);
    }
}
