package dev.vigil.rules;

import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The shipped raw and packet socket allowlists match what a process cannot choose from inside its
 * container — the executable's path and the container's image — never its name; and a user extends
 * them in a later file with {@code override: {items: append}}.
 */
class SocketAllowlistTest {
    private static final String RAW = "Raw IP socket in container";
    private static final String PACKET = "Packet socket in container";

    private static RuleEngine engine(String... userFiles) {
        List<RulesetLoader.RuleSource> s = new ArrayList<>();
        s.add(RulesetLoader.RuleSource.embeddedDefault());
        for (int i = 0; i < userFiles.length; i++) {
            s.add(RulesetLoader.RuleSource.ofString("user" + i + ".yaml", userFiles[i]));
        }
        LoadResult r = RulesetLoader.forCheck().loadSources(s);
        assertEquals(0, r.errors(), r.problems().toString());
        return r.matcher();
    }

    private static List<String> fired(RuleEngine e, Event ev) {
        List<String> out = new ArrayList<>();
        e.match(ev, a -> out.add(a.rule()));
        return out;
    }

    private static Event rawSocket(Object... kv) {
        Object[] base = {"container.id", "de6b9f00ba11", "container.image.repository", "docker.io/library/app",
            "evt.arg.domain", 2L, "evt.arg.type", 3L, "evt.res", 5L};
        Object[] all = new Object[base.length + kv.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(kv, 0, all, base.length, kv.length);
        return TestEvents.event("socket", all);
    }

    private static Event packetSocket(Object... kv) {
        Object[] base = {"container.id", "de6b9f00ba11", "container.image.repository", "docker.io/library/app",
            "evt.arg.domain", 17L, "evt.arg.type", 3L, "evt.res", 5L};
        Object[] all = new Object[base.length + kv.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(kv, 0, all, base.length, kv.length);
        return TestEvents.event("socket", all);
    }

    @Test
    void aProgramNamedPingIsJudgedByItsPath() {
        RuleEngine e = engine();
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/usr/bin/ping")));
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/bin/ping")));
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "traceroute", "proc.exepath", "/usr/bin/traceroute.db")));
        assertEquals(List.of(RAW), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/tmp/ping")));
        assertEquals(List.of(RAW), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "./ping")));
        // a path is matched whole: a directory named like an allowed binary is not it
        assertEquals(List.of(RAW), fired(e, rawSocket("proc.name", "x", "proc.exepath", "/usr/bin/ping/../../../tmp/x")));
        assertEquals(List.of(RAW), fired(e, rawSocket("proc.name", "ping")), "an unknown executable is not allowed");
    }

    @Test
    void usersAppendPathsAndImages() {
        RuleEngine e = engine("""
            - list: vigil_packet_socket_binaries
              items: [/usr/bin/tcpdump]
              override:
                items: append
            - list: vigil_raw_socket_images
              items: [docker.io/library/busybox]
              override:
                items: append
            - list: vigil_raw_socket_binaries
              items: [/opt/probe/bin/prober]
              override:
                items: append
            """);
        assertEquals(List.of(), fired(e, packetSocket("proc.name", "tcpdump", "proc.exepath", "/usr/bin/tcpdump")));
        assertEquals(List.of(PACKET), fired(e, packetSocket("proc.name", "tcpdump", "proc.exepath", "/tmp/tcpdump")));
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/bin/busybox",
            "container.image.repository", "docker.io/library/busybox")));
        assertEquals(List.of(RAW), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/bin/busybox")));
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "prober", "proc.exepath", "/opt/probe/bin/prober")));
        // appending kept the shipped items
        assertEquals(List.of(), fired(e, rawSocket("proc.name", "ping", "proc.exepath", "/usr/bin/ping")));
    }
}
