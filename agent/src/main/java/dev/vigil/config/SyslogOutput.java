package dev.vigil.config;

import java.util.List;

/**
 * {@code type: syslog}: RFC 5424 over UDP, TCP or TLS, as the URL's scheme says.
 *
 * @param url                  {@code syslog+udp|tcp|tls://HOST:PORT} (or {@code urlFile})
 * @param urlFile              a file holding the URL
 * @param format               the message body: json (default) or cef
 * @param facility             syslog facility name; default local0
 * @param caFile               syslog+tls: PEM file of the CA certificates to trust instead of the JVM's
 * @param insecureSkipVerify   syslog+tls: accept any certificate and host name (tests only); default false
 * @param connectTimeoutMillis tcp, tls: connect (and handshake) timeout; default 5000
 */
public record SyslogOutput(DeliveryConfig delivery, String url, String urlFile, String format, String facility,
                           String caFile, Boolean insecureSkipVerify, Integer connectTimeoutMillis)
    implements RemoteOutput {
    public static final String DEFAULT_FORMAT = "json";
    public static final String DEFAULT_FACILITY = "local0";
    private static final List<String> FACILITIES = List.of("kern", "user", "mail", "daemon", "auth", "syslog", "lpr",
        "news", "uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock", "local0", "local1", "local2",
        "local3", "local4", "local5", "local6", "local7");

    public SyslogOutput {
        delivery = delivery != null ? delivery : DeliveryConfig.defaults();
        format = format != null ? format : DEFAULT_FORMAT;
        facility = facility != null ? facility : DEFAULT_FACILITY;
        insecureSkipVerify = insecureSkipVerify != null ? insecureSkipVerify : Boolean.FALSE;
        connectTimeoutMillis = connectTimeoutMillis != null ? connectTimeoutMillis : DEFAULT_CONNECT_TIMEOUT_MILLIS;
    }

    public static SyslogOutput of(String url) {
        return new SyslogOutput(null, url, null, null, null, null, null, null);
    }

    @Override
    public SyslogOutput withDelivery(DeliveryConfig d) {
        return new SyslogOutput(d, url, urlFile, format, facility, caFile, insecureSkipVerify, connectTimeoutMillis);
    }

    @Override
    public void validateOwn(String key, List<String> errors) {
        validateRemote(key, errors);
        if (!format.equals("json") && !format.equals("cef")) {
            errors.add(key + ".format must be json or cef, got '" + format + "'");
        }
        if (!FACILITIES.contains(facility)) {
            errors.add(key + ".facility must be a syslog facility name (e.g. local0), got '" + facility + "'");
        }
    }
}
