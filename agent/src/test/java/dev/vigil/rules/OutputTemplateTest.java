package dev.vigil.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.vigil.alert.Alert;
import dev.vigil.event.Event;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A rule's output rendered again from its alert's output_fields, as the alert stage does after a late identity. */
class OutputTemplateTest {
    static final String RULE = """
        - rule: Packet socket in container
          desc: t
          condition: evt.type = socket and evt.arg.domain = AF_PACKET and container.id != host
          output: >
            Packet socket (proc=%proc.name pid=%proc.pid type=%evt.arg.type container=%container.name
            id=%container.id image=%container.image.repository:%container.image.tag ns=%k8s.ns.name)
          priority: WARNING
        """;

    static Alert raise(Object... kv) {
        Object[] all = new Object[kv.length + 4];
        all[0] = "evt.arg.domain";
        all[1] = 17L; // AF_PACKET
        all[2] = "evt.arg.type";
        all[3] = 3L; // SOCK_RAW
        System.arraycopy(kv, 0, all, 4, kv.length);
        Event e = TestEvents.event("socket", all);
        List<Alert> out = LoaderTest.fire(LoaderTest.load(RULE), e);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void rendersFromFieldsAsFromTheEvent() {
        Alert a = raise("proc.pid", 4242L, "proc.name", "tcpdump", "container.id", "de6b9f00ba11");
        String expected = "Packet socket (proc=tcpdump pid=4242 type=SOCK_RAW container=<NA> id=de6b9f00ba11 "
            + "image=<NA>:<NA> ns=<NA>)";
        assertEquals(expected, a.output());
        assertEquals(expected, a.template().render(a.outputFields()), "the same text from the map");

        Map<String, Object> f = new LinkedHashMap<>(a.outputFields());
        f.put("container.name", "web");
        f.put("container.image.repository", "nginx");
        f.put("container.image.tag", "1.27");
        f.put("k8s.ns.name", "shop");
        assertEquals("Packet socket (proc=tcpdump pid=4242 type=SOCK_RAW container=web id=de6b9f00ba11 "
            + "image=nginx:1.27 ns=shop)", a.withOutputFields(f).output());
    }

    @Test
    void everyAlertCarriesTheWorkloadWhereKnown() {
        Alert a = raise("proc.pid", 1L, "proc.name", "x", "container.id", "abc", "k8s.pod.name", "web-1",
            "container.image.tag", "1.27");
        assertEquals("web-1", a.outputFields().get("k8s.pod.name"), "not named by the output, still carried");
        assertEquals("1.27", a.outputFields().get("container.image.tag"));
        assertNull(a.outputFields().get("container.image.repository"));
        Alert host = raise("proc.pid", 1L, "proc.name", "x", "container.id", "abc");
        assertFalse(host.outputFields().containsKey("k8s.pod.name"), "unknown and not named: left out, not null");
    }
}
