package dev.vigil.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Checks CEF lines with a parser written from the CEF specification's grammar: seven unescaped
 * {@code |} end the header fields ({@code \|} and {@code \\} escapes); the extension is
 * {@code key=value} pairs separated by spaces, where a value runs until the space before the next
 * {@code key=} with an unescaped {@code =}, and {@code \\ \= \n \r} are its escapes.
 */
class CefFormatTest {
    private final CefFormat cef = new CefFormat("1.2|3\\");

    record Cef(List<String> header, Map<String, String> ext) {
    }

    static Cef parse(String line) {
        assertTrue(line.startsWith("CEF:"), line);
        assertFalse(line.contains("\n") || line.contains("\r"), "a CEF record is one line");
        List<String> header = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 0;
        while (header.size() < 7) {
            char c = line.charAt(i++);
            if (c == '\\') {
                char n = line.charAt(i++);
                assertTrue(n == '\\' || n == '|', "bad header escape \\" + n);
                cur.append(n);
            } else if (c == '|') {
                header.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        Map<String, String> ext = new LinkedHashMap<>();
        String rest = line.substring(i);
        int p = 0;
        while (p < rest.length()) {
            int eq = rest.indexOf('=', p);
            String key = rest.substring(p, eq);
            assertTrue(key.matches("[A-Za-z0-9_]+"), "key '" + key + "'");
            StringBuilder v = new StringBuilder();
            int q = eq + 1;
            int end = rest.length();
            while (q < rest.length()) {
                char c = rest.charAt(q);
                if (c == '\\') {
                    char n = rest.charAt(q + 1);
                    switch (n) {
                        case '\\' -> v.append('\\');
                        case '=' -> v.append('=');
                        case 'n' -> v.append('\n');
                        case 'r' -> v.append('\r');
                        default -> throw new AssertionError("bad extension escape \\" + n);
                    }
                    q += 2;
                    continue;
                }
                assertTrue(c != '=', "unescaped = inside a value at " + q);
                if (c == ' ' && startsKey(rest, q + 1)) {
                    end = q;
                    break;
                }
                v.append(c);
                q++;
            }
            ext.put(key, v.toString());
            p = end == rest.length() ? end : end + 1;
        }
        return new Cef(header, ext);
    }

    /** A key (word characters) followed by an unescaped '=' starts at {@code at}. */
    private static boolean startsKey(String s, int at) {
        int k = at;
        while (k < s.length() && (Character.isLetterOrDigit(s.charAt(k)) || s.charAt(k) == '_')
            && s.charAt(k) < 128) {
            k++;
        }
        return k > at && k < s.length() && s.charAt(k) == '=';
    }

    @Test
    void headerAndExtensionRoundTripHostileValues() {
        Alert a = TestAlerts.hostile();
        Cef c = parse(cef.format(a));
        assertEquals(List.of("CEF:0", "Vigil", "vigil", "1.2|3\\", "Rule | with = and \\ and newline",
            "Rule | with = and \\ and newline", "8"), c.header());
        assertEquals(a.output(), c.ext().get("msg"));
        assertEquals(a.hostname(), c.ext().get("dvchost"));
        assertEquals(a.uuid(), c.ext().get("externalId"));
        assertEquals("t|1,t=2", c.ext().get("cs1"));
        assertEquals(a.outputFields().get("proc.cmdline"), c.ext().get("proc_cmdline"));
        assertEquals("bash|sh", c.ext().get("proc_aname_2_"));
        assertEquals("=\\=\\\\", c.ext().get("fd_name"));
        assertEquals("v", c.ext().get("weird_key___"));
        assertEquals("true", c.ext().get("container_privileged"));
        assertEquals(20_000, c.ext().get("long").length());
        assertEquals(Long.toString(a.timeNanos() / 1_000_000), c.ext().get("rt"));
    }

    @Test
    void carriesTheWorkloadInDeviceCustomStrings() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("container.id", "de6b9f00ba11");
        f.put("container.name", "web");
        f.put("container.image.repository", "registry.example/shop/web");
        f.put("container.image.tag", "1.4.2");
        f.put("k8s.ns.name", "shop");
        f.put("k8s.pod.name", "web-7d9f");
        f.put("k8s.node.name", "node-1");
        f.put("k8s.cluster.name", "prod-eu");
        Alert a = new Alert("u", 0, "r", Priority.WARNING, "syscall", List.of("raw_socket"), "node-1", "o", f);
        Map<String, String> ext = parse(cef.format(a)).ext();
        assertEquals("namespace", ext.get("cs2Label"));
        assertEquals("shop", ext.get("cs2"));
        assertEquals("pod", ext.get("cs3Label"));
        assertEquals("web-7d9f", ext.get("cs3"));
        assertEquals("image", ext.get("cs4Label"));
        assertEquals("registry.example/shop/web:1.4.2", ext.get("cs4"));
        assertEquals("container", ext.get("cs5Label"));
        assertEquals("web", ext.get("cs5"));
        assertEquals("cluster", ext.get("cs6Label"));
        assertEquals("prod-eu", ext.get("cs6"));
        assertEquals("shop", ext.get("k8s_ns_name"), "the output fields follow as before");
        assertEquals("node-1", ext.get("k8s_node_name"));
    }

    @Test
    void leavesOutTheWorkloadItDoesNotKnow() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("container.id", "de6b9f00ba11");
        f.put("container.image", "busybox:1.36");
        f.put("k8s.ns.name", null);
        Alert a = new Alert("u", 0, "r", Priority.WARNING, "syscall", List.of(), "h", "o", f);
        Map<String, String> ext = parse(cef.format(a)).ext();
        assertEquals("busybox:1.36", ext.get("cs4"), "the full reference when repository and tag are unknown");
        assertFalse(ext.containsKey("cs2") || ext.containsKey("cs2Label"), "no namespace: no pair, no placeholder");
        assertFalse(ext.containsKey("cs3") || ext.containsKey("cs5") || ext.containsKey("cs6"));
    }

    @Test
    void collidingKeysGetSuffix() {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("a.b", "1");
        f.put("a_b", "2");
        f.put("msg", "3");
        Alert a = new Alert("u", 0, "r", Priority.DEBUG, "syscall", List.of(), "h", "o", f);
        Cef c = parse(cef.format(a));
        assertEquals("1", c.ext().get("a_b"));
        assertEquals("2", c.ext().get("a_b_2"));
        assertEquals("3", c.ext().get("msg_2"));
        assertEquals("o", c.ext().get("msg"));
        assertEquals("1", c.header().get(6));
    }

    @Test
    void severityIsMonotonicInPriority() {
        int last = 11;
        for (Priority p : Priority.values()) {
            int s = CefFormat.severity(p);
            assertTrue(s < last && s >= 0 && s <= 10);
            last = s;
        }
    }

    static final List<Character> CONTROLS = new String(TestAlerts.CONTROLS).chars().mapToObj(c -> (char) c).toList();

    /** Issue 16, finding 9: NUL and ESC (and NEL, U+2028, …) went into the CEF line raw. */
    @ParameterizedTest
    @FieldSource("CONTROLS")
    void noControlCharacterIsWrittenRaw(char c) {
        Alert a = TestAlerts.withControl(c);
        String line = cef.format(a);
        assertEquals(null, TestAlerts.firstControl(line), line);
        Cef parsed = parse(line);
        char picture = c < 0x20 ? (char) (0x2400 + c) : c == 0x7f ? '\u2421' : '\ufffd';
        String v = "a" + picture + "[31mb" + picture;
        assertEquals("output " + v, parsed.ext().get("msg"));
        assertEquals("sh -c " + v, parsed.ext().get("proc_cmdline"));
        assertEquals(v, parsed.ext().get("cs3"));
        assertEquals("node" + picture, parsed.ext().get("dvchost"));
        assertEquals("Rule a [31mb ", parsed.header().get(4));
    }
}
