package dev.vigil.state;

import dev.vigil.event.Event;
import dev.vigil.ingest.EventDecoder;
import java.nio.charset.StandardCharsets;

/** The state tests' sensor lines: one event as the sensor sends it, decoded and enriched. */
final class SensorLines {
    private SensorLines() {
    }

    /** Type, pid, ppid, comm, container, then extra {@code "key":value} pairs (comma-separated, or empty). */
    static Event enrich(StateEnricher state, String type, int pid, int ppid, String comm, String container, String more) {
        String json = "{\"evt.type\":\"" + type + "\",\"evt.res\":0,\"proc.pid\":" + pid + ",\"proc.ppid\":" + ppid
            + ",\"proc.name\":\"" + comm + "\",\"container.id\":\"" + container + "\"" + (more.isEmpty() ? "" : "," + more)
            + "}\n";
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        Event e = new Event();
        if (new EventDecoder().decode(b, 0, b.length, e, 1L) != null) {
            throw new AssertionError("bad test event " + json);
        }
        state.enrich(e);
        return e;
    }
}
