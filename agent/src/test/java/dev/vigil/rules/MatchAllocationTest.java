package dev.vigil.rules;

import dev.vigil.event.Capabilities;
import dev.vigil.event.Event;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Matching a non-matching event against the upstream rules plus Vigil's allocates nothing. */
class MatchAllocationTest {
    static List<Event> events() {
        String c = "de6b9f00ba11";
        long t = 1_795_000_000_000_000_000L;
        return List.of(
            TestEvents.event("execve", "evt.rawtime", t, "proc.name", "nginx", "proc.exepath", "/usr/sbin/nginx",
                "proc.cmdline", "nginx -g daemon off;", "proc.pname", "containerd-shim", "container.id", c,
                "container.image.repository", "docker.io/library/nginx", "thread.cap_effective", Capabilities.DOCKER_DEFAULT,
                "user.uid", 0L, "evt.res", 0L, "evt.failed", false, "proc.aname[2]", "systemd", "proc.tty", "0"),
            TestEvents.event("openat", "evt.rawtime", t, "proc.name", "nginx", "fd.name", "/var/log/nginx/access.log",
                "fd.typechar", "f", "fd.num", "7", "evt.is_open_write", "true", "evt.arg.flags", "O_WRONLY|O_APPEND",
                "container.id", c, "evt.res", 7L, "evt.failed", false, "fd.directory", "/var/log/nginx"),
            TestEvents.event("socket", "evt.rawtime", t, "proc.name", "curl", "evt.arg.domain", 2L, "evt.arg.type", 1L,
                "container.id", c, "evt.res", 3L, "evt.failed", false),
            TestEvents.event("clone", "evt.rawtime", t, "proc.name", "make", "container.id", c, "evt.res", 4321L,
                "evt.failed", false, "container.pids_limit", 4096L, "container.pids_usage", 3L),
            // judged by ContainerGrants (its container's grant looked up, the derived fields filled)
            TestEvents.event("capable", "evt.rawtime", t, "proc.name", "nginx", "evt.arg.cap", 10L, "evt.res", 0L,
                "container.id", c, "thread.cap_effective", Capabilities.DOCKER_DEFAULT),
            TestEvents.event("connect", "evt.rawtime", t, "proc.name", "curl", "fd.name", "10.0.0.1:4242->10.0.0.2:80",
                "container.id", "host", "fd.l4proto", "tcp", "evt.res", -115L, "evt.failed", true),
            TestEvents.event("my_private_event", "evt.rawtime", t, "proc.name", "x", "container.id", c),
            TestEvents.event("procexit", "evt.rawtime", t, "proc.name", "sh", "container.id", c));
    }

    @Test
    void nonMatchingEventsAllocateNothing() {
        List<RulesetLoader.RuleSource> sources = new ArrayList<>();
        sources.add(RulesetLoader.RuleSource.embeddedDefault());
        if (Files.isDirectory(UpstreamRulesTest.CORPUS)) {
            UpstreamRulesTest.files().forEach(p -> sources.add(RulesetLoader.RuleSource.of(p)));
        }
        LoadResult r = RulesetLoader.forCheck().loadSources(sources);
        assertEquals(0, r.errors(), r.problems().toString());
        RuleEngine engine = r.matcher();
        List<Event> events = events();
        int[] fired = {0};
        dev.vigil.alert.AlertEmitter count = a -> fired[0]++;
        for (int i = 0; i < 200_000; i++) { // warm-up: JIT, lazily grown buffers
            engine.match(events.get(i % events.size()), count);
        }
        assertEquals(0, fired[0], "these events must match no rule");

        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        assumeTrue(mx.isThreadAllocatedMemorySupported(), "thread allocation counting not supported");
        long tid = Thread.currentThread().getId();
        int n = 100_000;
        long before = mx.getThreadAllocatedBytes(tid);
        for (int i = 0; i < n; i++) {
            engine.match(events.get(i % events.size()), count);
        }
        long bytes = mx.getThreadAllocatedBytes(tid) - before;
        System.out.printf("allocated %d bytes over %d non-matching events (%.4f B/event), %d rules%n",
            bytes, n, (double) bytes / n, engine.ruleCount());
        assertTrue((double) bytes / n < 1.0, bytes + " bytes over " + n + " events");
    }
}
