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

    /**
     * The control characters issue 16 (finding 9) found raw in alert bodies, and their neighbours: NUL,
     * BEL, TAB, ESC, DEL, NEL (U+0085), CSI (U+009B), U+2028, U+2029, RLO (U+202E), FSI (U+2068).
     */
    public static final char[] CONTROLS = {'\u0000', '\u0007', '\t', '\u001b', '\u007f', '\u0085', '\u009b',
        '\u2028', '\u2029', '\u202e', '\u2068'};

    /** Written from the list, not from the code under test. */
    public static boolean isControl(int c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e)
            || (c >= 0x2066 && c <= 0x2069);
    }

    /** An alert with {@code c} in its rule, hostname, output, a tag, a field name and field values. */
    public static Alert withControl(char c) {
        String v = "a" + c + "[31mb" + c;
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("evt.rawtime", 1_795_000_151_000_002_000L);
        f.put("proc.name", v);
        f.put("proc.cmdline", "sh -c " + v);
        f.put("k8s.pod.name", v);
        f.put("key" + c, v);
        return new Alert(UUID.randomUUID().toString(), 1_795_000_151_000_002_000L, "Rule " + v, Priority.WARNING,
            "syscall", List.of("tag" + c), "node" + c, "output " + v, f);
    }

    /** The first raw control character in {@code s} (as {@code U+XXXX} at its index), or null. */
    public static String firstControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (isControl(s.charAt(i))) {
                return "U+" + Integer.toHexString(0x10000 | s.charAt(i)).substring(1) + " at " + i;
            }
        }
        return null;
    }
}
