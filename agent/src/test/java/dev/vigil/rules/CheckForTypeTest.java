package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.vigil.event.Event;
import dev.vigil.event.EventTypes;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A condition for one event type: its evt.type tests answered, and equal to the whole on that type's events. */
class CheckForTypeTest {
    private final ConditionCompiler compiler = new ConditionCompiler(Map.of(),
        Map.of("forks", List.of("clone", "clone3", "fork", "vfork")));

    private Check compile(String condition) throws Exception {
        return compiler.compile(ConditionParser.parse(condition)).check();
    }

    @Test
    void answersTheTypeTestsAndFoldsWhatTheyDecide() throws Exception {
        Check c = compile("evt.type = capable and evt.arg.cap = 21 and proc.pid > 5");
        assertInstanceOf(Check.And.class, c);
        Check capable = c.forType(EventTypes.id("capable"));
        assertInstanceOf(Check.And.class, capable);
        assertSame(Check.FALSE, c.forType(EventTypes.id("execve")));
        // one test left: the test itself, no And around it
        assertInstanceOf(Check.OnNumber.class, compile("evt.type in (forks) and proc.pid > 5").forType(EventTypes.id("clone")));
        assertSame(Check.TRUE, compile("not evt.type = open").forType(EventTypes.id("execve")));
        assertSame(Check.TRUE, compile("evt.type = open or proc.pid > 5").forType(EventTypes.id("open")));
        Check unknown = compile("evt.type = capable and proc.pid > 5");
        assertSame(unknown, unknown.forType(EventTypes.OTHER), "an uninterned type is told by name at match time");
    }

    @Test
    void agreesWithTheWholeConditionOnEveryEventOfItsType() throws Exception {
        String[] conditions = {
            "evt.type = capable and evt.arg.cap = 21 and evt.res = 0",
            "(evt.type = capable and evt.arg.cap = 21) or (evt.type in (mount, setns) and evt.res = 0)",
            "not (evt.type in (forks) or proc.name = sh) and proc.pid > 100",
            "evt.type != execve and (proc.name in (sh, bash) or not evt.type = open)",
            "not evt.type in (forks) or not (evt.res < 0 and evt.type = clone)",
            "proc.name = sh and (evt.type = execve or evt.type = execveat) and not (evt.type = open)",
            "evt.type = weird_type or (evt.type = open and proc.pid > 7)",
        };
        String[] types = {"capable", "execve", "execveat", "open", "clone", "vfork", "mount", "setns", "weird_type"};
        String[] names = {"sh", "bash", "nginx"};
        Random r = new Random(11);
        for (String text : conditions) {
            Check whole = compile(text);
            for (int i = 0; i < 2_000; i++) {
                String type = types[r.nextInt(types.length)];
                Event e = TestEvents.event(type, "proc.name", names[r.nextInt(names.length)],
                    "proc.pid", (long) r.nextInt(200), "evt.res", (long) (r.nextInt(3) - 1));
                if (r.nextBoolean()) {
                    TestEvents.set(e, "evt.arg.cap", (long) (20 + r.nextInt(3)));
                }
                assertEquals(whole.test(e), whole.forType(e.eventType()).test(e), text + " on " + e);
            }
        }
    }
}
