package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vigil.rules.OutputFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeStamperTest {
    final List<Alert> out = new ArrayList<>();

    @Test
    void everyAlertNamesItsNodeAndCluster() {
        Alert a = TestAlerts.alert("r", Priority.WARNING, "de6b9f00ba11", 1, 2);
        new NodeStamper("node-7", "prod-eu", out::add).emit(a);
        Alert s = out.get(0);
        assertEquals("node-7", s.outputFields().get("k8s.node.name"));
        assertEquals("prod-eu", s.outputFields().get("k8s.cluster.name"));
        assertEquals("de6b9f00ba11", s.outputFields().get("container.id"), "the rest kept");
        assertEquals(a.hostname(), s.hostname(), "Falco's top level unchanged");
        assertEquals(a.uuid(), s.uuid());
        assertEquals(a.output(), s.output(), "no template: the message stays");
    }

    @Test
    void noClusterNameNoClusterField() {
        new NodeStamper("node-7", " ", out::add).emit(TestAlerts.alert("r", Priority.WARNING, "host", 1, 2));
        assertFalse(out.get(0).outputFields().containsKey("k8s.cluster.name"));
        assertEquals("node-7", out.get(0).outputFields().get("k8s.node.name"));
    }

    @Test
    void anOutputNamingTheNodeIsRenderedWithIt() {
        OutputFormat t = OutputFormat.compile("Shell on %k8s.node.name in %k8s.cluster.name (proc=%proc.name)", List.of());
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("k8s.node.name", null);
        f.put("k8s.cluster.name", null);
        f.put("proc.name", "sh");
        Alert a = new Alert("u", 1, "r", Priority.NOTICE, "syscall", List.of(), "h", t.render(f), f, t);
        assertEquals("Shell on <NA> in <NA> (proc=sh)", a.output());
        new NodeStamper("node-7", "prod-eu", out::add).emit(a);
        assertEquals("Shell on node-7 in prod-eu (proc=sh)", out.get(0).output());
    }
}
