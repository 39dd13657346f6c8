package dev.vigil.rules;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** The event types a condition can match, derived from its tree as libsinsp does. */
class EventTypeSetTest {
    static final EventTypeSet OPENAT = EventTypeSet.only(Set.of("openat"));
    static final EventTypeSet NOT_OPENAT = OPENAT.not();

    static Stream<Arguments> table() {
        return Stream.of(
            arguments("evt.type = openat", OPENAT),
            arguments("evt.type in (openat)", OPENAT),
            arguments("not evt.type != openat", OPENAT),
            arguments("not not evt.type = openat", OPENAT),
            arguments("evt.type != openat", NOT_OPENAT),
            arguments("not evt.type = openat", NOT_OPENAT),
            arguments("not evt.type in (openat)", NOT_OPENAT),
            arguments("evt.type = openat and proc.name = x", OPENAT),
            arguments("proc.name = x", EventTypeSet.ALL),
            arguments("not (evt.type = openat and proc.name = x)", EventTypeSet.ALL),
            arguments("evt.type = openat or proc.name = x", EventTypeSet.ALL),
            arguments("evt.type = openat or evt.type = execve", EventTypeSet.only(Set.of("openat", "execve"))),
            arguments("evt.type in (openat, execve) and evt.type != execve", OPENAT),
            arguments("not (evt.type = openat or evt.type = execve)", EventTypeSet.only(Set.of("openat", "execve")).not()),
            arguments("(evt.type = openat or proc.name = x) and evt.type = execve", EventTypeSet.only(Set.of("execve"))),
            arguments("evt.type = openat and evt.type = execve", EventTypeSet.NONE),
            arguments("evt.type startswith open", EventTypeSet.ALL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("table")
    void derivesTypes(String condition, EventTypeSet expected) throws Exception {
        assertEquals(expected, EventTypeSet.of(ConditionParser.parse(condition)));
    }
}
