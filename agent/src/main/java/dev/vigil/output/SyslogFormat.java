package dev.vigil.output;

import dev.vigil.alert.Alert;
import dev.vigil.alert.AlertJson;
import dev.vigil.alert.CefFormat;
import dev.vigil.alert.Priority;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * RFC 5424 syslog messages for alerts:
 * {@code <PRI>1 TIMESTAMP HOSTNAME vigil PROCID alert - MSG}.
 *
 * <p>PRI = facility × 8 + severity, severity from the Falco priority (Emergency 0 … Debug 7, the
 * same order). TIMESTAMP is the event time in UTC with microseconds (TIME-SECFRAC allows six
 * digits). Header fields hold only PRINTUSASCII (33–126; anything else becomes {@code _}) and are cut
 * to their maximum lengths (HOSTNAME 255, APP-NAME 48, PROCID 128, MSGID 32); an empty field is
 * {@code -}. STRUCTURED-DATA is {@code -}. MSG is the alert's JSON or CEF line, UTF-8 without a BOM
 * (RFC 5424 §6.4 allows MSG-ANY). {@link #octetCounted} adds RFC 6587 framing for TCP and TLS.
 * Thread-safe (immutable).
 */
public final class SyslogFormat {
    public enum Body { json, cef }

    /** Facility names as syslog(3) spells them, in code order. */
    public static final List<String> FACILITIES = List.of("kern", "user", "mail", "daemon", "auth", "syslog",
        "lpr", "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
        "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7");

    static final int MAX_HOSTNAME = 255;
    static final int MAX_APP_NAME = 48;
    static final int MAX_PROCID = 128;
    static final int MAX_MSGID = 32;

    private final int facility;
    private final String appName;
    private final String procId;
    private final Body body;
    private final AlertJson json = new AlertJson();
    private final CefFormat cef;

    public SyslogFormat(String facility, Body body, String version) {
        int f = FACILITIES.indexOf(facility.toLowerCase(Locale.ROOT));
        if (f < 0) {
            throw new IllegalArgumentException("unknown syslog facility '" + facility + "'");
        }
        this.facility = f;
        this.appName = headerField("vigil", MAX_APP_NAME);
        this.procId = headerField(Long.toString(ProcessHandle.current().pid()), MAX_PROCID);
        this.body = body;
        this.cef = new CefFormat(version);
    }

    public static int severity(Priority p) {
        return p.ordinal();
    }

    /** The RFC 5424 message, UTF-8. */
    public byte[] message(Alert a) {
        StringBuilder h = new StringBuilder(128);
        h.append('<').append(facility * 8 + severity(a.priority())).append(">1 ");
        h.append(timestamp(a.timeNanos())).append(' ');
        h.append(headerField(a.hostname(), MAX_HOSTNAME)).append(' ');
        h.append(appName).append(' ').append(procId).append(' ');
        h.append("alert").append(' ').append('-').append(' ');
        byte[] head = h.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] msg = body == Body.cef ? cef.format(a).getBytes(StandardCharsets.UTF_8) : json.write(a);
        byte[] out = new byte[head.length + msg.length];
        System.arraycopy(head, 0, out, 0, head.length);
        System.arraycopy(msg, 0, out, head.length, msg.length);
        return out;
    }

    /** RFC 6587 octet counting: {@code MSG-LEN SP SYSLOG-MSG}. */
    public static byte[] octetCounted(byte[] message) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(message.length + 8);
        out.writeBytes(Integer.toString(message.length).getBytes(StandardCharsets.US_ASCII));
        out.write(' ');
        out.writeBytes(message);
        return out.toByteArray();
    }

    /** FULL-DATE "T" FULL-TIME with six fraction digits, UTC: {@code 2026-11-22T12:00:00.123456Z}. */
    static String timestamp(long timeNanos) {
        String ns = AlertJson.formatTime(timeNanos);
        // formatTime gives nine fraction digits; RFC 5424 TIME-SECFRAC allows at most six.
        return ns.substring(0, ns.length() - 4) + "Z";
    }

    /** PRINTUSASCII only, cut to {@code max}, {@code -} when empty (the NILVALUE). */
    static String headerField(String s, int max) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder(Math.min(s.length(), max));
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c >= 33 && c <= 126 ? c : '_');
        }
        return sb.toString();
    }
}
