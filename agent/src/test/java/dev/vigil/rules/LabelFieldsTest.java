package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vigil.alert.Alert;
import dev.vigil.event.Event;
import dev.vigil.runtime.ContainerIdentity;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** container.label[KEY] and k8s.pod.label[KEY] from the event's ContainerMeta, in conditions and outputs. */
class LabelFieldsTest {
    static final String RULES = """
        - rule: Web socket
          desc: x
          condition: evt.type = socket and container.label[app] = web
          output: socket in %container.name team=%k8s.pod.label[team] tier=%container.label[tier]
          priority: WARNING
          tags: [raw_socket]
        - rule: Labelled pod
          desc: x
          condition: evt.type = mount and k8s.pod.label[team] exists
          output: mount by %k8s.pod.label[team]
          priority: WARNING
          tags: [cap_sys_admin]
        """;

    static RuleEngine engine() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        LoadResult r = new RulesetLoader("node-1", TimeSource.eventTime(), new BaselineStore(null, 10, 10, reg), 10, reg)
            .loadSources(List.of(RulesetLoader.RuleSource.ofString("t.yaml", RULES)));
        assertEquals(0, r.errors(), r.problems().toString());
        assertEquals(0, r.problems().size(), r.problems().toString());
        return r.matcher();
    }

    static ContainerIdentity identity(Map<String, String> labels, Map<String, String> podLabels) {
        return new ContainerIdentity("3f1c0a9e2b7d", "containerd", "web", "nginx:1.25", "nginx", "1.25", null,
            false, labels, "web-0", "shop", "uid-1", podLabels, "test");
    }

    static Event withMeta(String type, ContainerIdentity id) {
        Event e = TestEvents.event(type, "proc.pid", 42L, "container.id", "3f1c0a9e2b7d", "container.name", "web");
        e.setContainerMeta(id);
        return e;
    }

    @Test
    void aContainerLabelMatchesInAConditionAndPodLabelsRenderInTheOutput() {
        List<Alert> out = new ArrayList<>();
        engine().match(withMeta("socket", identity(Map.of("app", "web", "tier", "front"), Map.of("team", "payments"))),
            out::add);
        assertEquals(1, out.size());
        assertEquals("socket in web team=payments tier=front", out.get(0).output());
        assertEquals("payments", out.get(0).outputFields().get("k8s.pod.label[team]"));
    }

    @Test
    void aMissingLabelDoesNotMatchAndRendersNotAvailable() {
        List<Alert> out = new ArrayList<>();
        RuleEngine engine = engine();
        engine.match(withMeta("socket", identity(Map.of("app", "db"), Map.of("team", "payments"))), out::add);
        engine.match(withMeta("mount", identity(Map.of("app", "web"), Map.of())), out::add);
        engine.match(withMeta("socket", null), out::add);
        assertEquals(0, out.size(), "another value, a pod without the label, no identity: no match");

        engine.match(withMeta("socket", identity(Map.of("app", "web"), Map.of())), out::add);
        assertEquals(1, out.size());
        assertEquals("socket in web team=<NA> tier=<NA>", out.get(0).output());
        assertNull(out.get(0).outputFields().get("k8s.pod.label[team]"));
    }

    @Test
    void aProducersFlatLabelKeyIsReadWhenTheRuntimeHasNone() {
        List<Alert> out = new ArrayList<>();
        Event e = TestEvents.event("socket", "proc.pid", 42L, "container.label[app]", "web",
            "k8s.pod.label[team]", "infra");
        engine().match(e, out::add);
        assertEquals(1, out.size());
        assertEquals("socket in <NA> team=infra tier=<NA>", out.get(0).output());
    }
}
