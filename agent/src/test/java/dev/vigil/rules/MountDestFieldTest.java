package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.alert.Alert;
import dev.vigil.event.ContainerSandbox;
import dev.vigil.event.Event;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code container.mount.dest[PATH]}, Falco's field: the destination of the container's first mount whose
 * source (a host path) matches PATH, a glob; missing when none does. Read from the event's sandbox (the state
 * stage's reading of the container's mounts), else from a producer's flat key; in conditions and outputs.
 */
class MountDestFieldTest {
    static final String RULES = """
        - rule: Docker socket in container
          desc: x
          condition: evt.type = open and container.mount.dest[/var/run/docker.sock] exists
          output: socket at %container.mount.dest[/var/run/docker.sock]
          priority: WARNING
          tags: [posture]
        - rule: Host proc somewhere
          desc: x
          condition: evt.type = mount and container.mount.dest[/proc*] startswith /host
          output: proc at %container.mount.dest[/proc*] none=%container.mount.dest[/nope]
          priority: WARNING
          tags: [posture]
        """;

    /** A sandbox with these (source, destination) mounts. */
    record Mounts(String... pairs) implements ContainerSandbox {
        @Override
        public String sandboxField(String name) {
            return null;
        }

        @Override
        public int mountCount() {
            return pairs.length / 2;
        }

        @Override
        public String mountSource(int i) {
            return pairs[2 * i];
        }

        @Override
        public String mountDestination(int i) {
            return pairs[2 * i + 1];
        }
    }

    static LoadResult load(String rules) {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        return new RulesetLoader("node-1", TimeSource.eventTime(), new BaselineStore(null, 10, 10, reg), 10, reg)
            .loadSources(List.of(RulesetLoader.RuleSource.ofString("t.yaml", rules)));
    }

    static Event event(String type, ContainerSandbox s) {
        Event e = TestEvents.event(type, "proc.pid", 42L, "container.id", "3f1c0a9e2b7d");
        e.setSandbox(s);
        return e;
    }

    @Test
    void theSourcePicksTheMountAndTheValueIsItsDestination() {
        LoadResult r = load(RULES);
        assertEquals(0, r.problems().size(), r.problems().toString());
        List<Alert> out = new ArrayList<>();
        r.matcher().match(event("open", new Mounts("/srv/data", "/data", "/var/run/docker.sock", "/run/d.sock")), out::add);
        r.matcher().match(event("mount", new Mounts("/etc", "/host/etc", "/proc/sys", "/host/sys", "/proc", "/p")), out::add);
        assertEquals(2, out.size(), out.toString());
        assertEquals("socket at /run/d.sock", out.get(0).output());
        assertEquals("/run/d.sock", out.get(0).outputFields().get("container.mount.dest[/var/run/docker.sock]"));
        assertEquals("proc at /host/sys none=<NA>", out.get(1).output(), "the glob's first match, in mount order");
        assertNull(out.get(1).outputFields().get("container.mount.dest[/nope]"));
    }

    @Test
    void noMatchingMountIsMissing() {
        List<Alert> out = new ArrayList<>();
        RuleEngine m = load(RULES).matcher();
        m.match(event("open", new Mounts("/srv/data", "/data")), out::add);
        m.match(event("open", null), out::add);
        m.match(event("mount", new Mounts("/proc", "/proc-of-host")), out::add);
        assertEquals(List.of(), out, "no docker.sock mount; no sandbox read; /proc where the rule wants /host*");
    }

    @Test
    void aProducersFlatKeyIsReadWhenTheEventHasNoSandbox() {
        List<Alert> out = new ArrayList<>();
        Event e = TestEvents.event("open", "proc.pid", 42L, "container.id", "3f1c0a9e2b7d",
            "container.mount.dest[/var/run/docker.sock]", "/var/run/docker.sock");
        load(RULES).matcher().match(e, out::add);
        assertEquals(1, out.size());
        assertEquals("socket at /var/run/docker.sock", out.get(0).output());
    }

    @Test
    void anIndexIsAnUnknownFieldNotASilentMiss() {
        LoadResult r = load(RULES.replace("container.mount.dest[/var/run/docker.sock] exists",
            "container.mount.dest[0] exists"));
        assertTrue(r.problems().toString().contains("unknown field container.mount.dest[0]"), r.problems().toString());
    }
}
