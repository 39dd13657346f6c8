package dev.vigil.alert;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An alert as an ArcSight Common Event Format line:
 * {@code CEF:0|Vigil|vigil|<version>|<rule>|<rule>|<severity 0-10>|<extension>}.
 *
 * <p>Escaping follows the CEF specification (rev. 25): in header fields {@code \} and {@code |} are
 * backslash-escaped, and line breaks and every other control character (not allowed in a header)
 * become a space; in extension values {@code \} and {@code =} are backslash-escaped and CR / LF are
 * written as {@code \r} / {@code \n}. The specification has no escape for any other control character
 * ({@link ControlCharacters}: NUL, ESC, DEL, NEL, U+2028, …), and a raw one breaks the line or the
 * terminal that shows it, so each is replaced by its Unicode control picture ({@code ␀}, {@code ␛},
 * {@code ␡}) or, past C0 and DEL, by U+FFFD; the JSON body keeps them exactly, escaped.
 * extension keys are reduced to {@code [A-Za-z0-9_]} (other characters become {@code _}), so a field
 * name like {@code proc.aname[2]} is {@code proc_aname_2_}. The result is one line of UTF-8 text.
 *
 * <p>Extension keys: {@code externalId} (uuid), {@code rt} (event time, ms since the epoch),
 * {@code dvchost} (hostname), {@code msg} (the output text), {@code cat} (source), {@code cs1Label=tags}
 * with {@code cs1} (tags joined by commas); the workload, where the alert knows it, in the CEF
 * dictionary's device custom strings, so a SIEM maps them without a custom parser: {@code cs2Label=namespace}
 * ({@code k8s.ns.name}), {@code cs3Label=pod} ({@code k8s.pod.name}), {@code cs4Label=image}
 * ({@code container.image.repository:container.image.tag}, else {@code container.image}),
 * {@code cs5Label=container} ({@code container.name}), {@code cs6Label=cluster} ({@code k8s.cluster.name});
 * then every output field under its sanitized name (a name that collides with one already written gets
 * a numeric suffix). Thread-safe (stateless).
 */
public final class CefFormat {
    private final String headerPrefix;

    /** @param version the agent version written in the Device Version header field */
    public CefFormat(String version) {
        this.headerPrefix = "CEF:0|Vigil|vigil|" + escapeHeader(version) + "|";
    }

    /** CEF severity 0 (lowest) to 10 for a Falco priority. */
    public static int severity(Priority p) {
        return switch (p) {
            case EMERGENCY -> 10;
            case ALERT -> 9;
            case CRITICAL -> 8;
            case ERROR -> 7;
            case WARNING -> 6;
            case NOTICE -> 4;
            case INFORMATIONAL -> 3;
            case DEBUG -> 1;
        };
    }

    public String format(Alert a) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(headerPrefix);
        String rule = a.rule() == null ? "" : escapeHeader(a.rule());
        sb.append(rule).append('|').append(rule).append('|').append(severity(a.priority())).append('|');
        Set<String> used = new HashSet<>();
        ext(sb, used, "externalId", a.uuid());
        ext(sb, used, "rt", Long.toString(Math.floorDiv(a.timeNanos(), 1_000_000L)));
        ext(sb, used, "dvchost", a.hostname());
        ext(sb, used, "msg", a.output());
        ext(sb, used, "cat", a.source());
        List<String> tags = a.tags();
        if (tags != null && !tags.isEmpty()) {
            ext(sb, used, "cs1Label", "tags");
            ext(sb, used, "cs1", String.join(",", tags));
        }
        Map<String, Object> f = a.outputFields();
        if (f != null) {
            labelled(sb, used, 2, "namespace", f.get("k8s.ns.name"));
            labelled(sb, used, 3, "pod", f.get("k8s.pod.name"));
            labelled(sb, used, 4, "image", image(f));
            labelled(sb, used, 5, "container", f.get("container.name"));
            labelled(sb, used, 6, "cluster", f.get("k8s.cluster.name"));
        }
        if (a.outputFields() != null) {
            for (Map.Entry<String, Object> e : a.outputFields().entrySet()) {
                String key = sanitizeKey(e.getKey());
                String unique = key;
                for (int n = 2; used.contains(unique); n++) {
                    unique = key + "_" + n;
                }
                ext(sb, used, unique, e.getValue() == null ? "" : e.getValue().toString());
            }
        }
        return sb.toString();
    }

    /** {@code csNLabel=label csN=value}, when the value is known. */
    private static void labelled(StringBuilder sb, Set<String> used, int n, String label, Object value) {
        if (value != null) {
            ext(sb, used, "cs" + n + "Label", label);
            ext(sb, used, "cs" + n, value.toString());
        }
    }

    private static Object image(Map<String, Object> f) {
        Object repository = f.get("container.image.repository");
        if (repository == null) {
            return f.get("container.image");
        }
        Object tag = f.get("container.image.tag");
        return tag == null ? repository : repository + ":" + tag;
    }

    private static void ext(StringBuilder sb, Set<String> used, String key, String value) {
        if (value == null) {
            return;
        }
        if (!used.isEmpty()) {
            sb.append(' ');
        }
        used.add(key);
        sb.append(key).append('=');
        escapeValue(sb, value);
    }

    /** Header field: {@code \} → {@code \\}, {@code |} → {@code \|}, CR, LF and every other control → space. */
    public static String escapeHeader(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '|' -> sb.append("\\|");
                default -> sb.append(ControlCharacters.isControl(c) ? ' ' : c);
            }
        }
        return sb.toString();
    }

    /**
     * Extension value: {@code \} → {@code \\}, {@code =} → {@code \=}, CR → {@code \r}, LF → {@code \n},
     * any other control character → {@link ControlCharacters#picture}.
     */
    static void escapeValue(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '=' -> sb.append("\\=");
                case '\r' -> sb.append("\\r");
                case '\n' -> sb.append("\\n");
                default -> sb.append(ControlCharacters.isControl(c) ? ControlCharacters.picture(c) : c);
            }
        }
    }

    /** Extension key: only {@code [A-Za-z0-9_]}; anything else becomes {@code _}; never empty. */
    public static String sanitizeKey(String k) {
        if (k == null || k.isEmpty()) {
            return "_";
        }
        StringBuilder sb = new StringBuilder(k.length());
        for (int i = 0; i < k.length(); i++) {
            char c = k.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            sb.append(ok ? c : '_');
        }
        return sb.toString();
    }
}
