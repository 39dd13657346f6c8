package dev.vigil.alert;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Alerts for tests, including hostile values. */
public final class TestAlerts {
    private TestAlerts() {
    }

    public static Alert alert(String rule, Priority p, String containerId, long pid, long timeNanos) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("evt.rawtime", timeNanos);
        f.put("evt.type", "socket");
        f.put("proc.pid", pid);
        f.put("proc.name", "tcpdump");
        f.put("container.id", containerId);
        return new Alert(UUID.randomUUID().toString(), timeNanos, rule, p, "syscall",
            List.of("raw_socket", "mitre_discovery"), "node-1",
            rule + " (proc=tcpdump pid=" + pid + " container=" + containerId + ")", f);
    }

    public static Alert numbered(int n) {
        Alert a = alert("Packet socket in container", Priority.WARNING, "de6b9f00ba11", 1000 + n,
            1_795_000_151_000_000_000L + n);
        Map<String, Object> f = new LinkedHashMap<>(a.outputFields());
        f.put("vigil.test.seq", (long) n);
        return new Alert(a.uuid(), a.timeNanos(), a.rule(), a.priority(), a.source(), a.tags(), a.hostname(),
            a.output() + " seq=" + n, f);
    }

    public static Alert hostile() {
        String evil = "a|b=c\\d\ne\rf \u00e9\u4e2d\ud83d\ude00 x=y \\| \\= end";
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("evt.rawtime", 1_795_000_151_000_002_000L);
        f.put("proc.cmdline", evil);
        f.put("proc.aname[2]", "bash|sh");
        f.put("fd.name", "=\\=\\\\");
        f.put("weird key=|\\", "v");
        f.put("container.privileged", true);
        f.put("long", "L".repeat(20_000));
        return new Alert(UUID.randomUUID().toString(), 1_795_000_151_000_002_000L, "Rule | with = and \\ and\nnewline",
            Priority.CRITICAL, "syscall", List.of("t|1", "t=2"), "node 1|\u00e9\n" + "h".repeat(300),
            "output " + evil, f);
    }
}
