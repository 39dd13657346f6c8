package dev.vigil.config;

import java.util.List;

/**
 * {@code type: http}: a webhook, one POST of the alert's JSON per alert.
 *
 * @param url                  {@code http(s)://…}, taken whole (or {@code urlFile})
 * @param urlFile              a file holding the URL
 * @param caFile               https: PEM file of the CA certificates to trust instead of the JVM's
 * @param insecureSkipVerify   https: accept any certificate (tests only); default false
 * @param connectTimeoutMillis connect timeout; default 5000
 * @param requestTimeoutMillis whole-request timeout; default 10000
 */
public record HttpOutput(DeliveryConfig delivery, String url, String urlFile, String caFile,
                         Boolean insecureSkipVerify, Integer connectTimeoutMillis, Integer requestTimeoutMillis)
    implements RemoteOutput {
    public HttpOutput {
        delivery = delivery != null ? delivery : DeliveryConfig.defaults();
        insecureSkipVerify = insecureSkipVerify != null ? insecureSkipVerify : Boolean.FALSE;
        connectTimeoutMillis = connectTimeoutMillis != null ? connectTimeoutMillis : DEFAULT_CONNECT_TIMEOUT_MILLIS;
        requestTimeoutMillis = requestTimeoutMillis != null ? requestTimeoutMillis : DEFAULT_REQUEST_TIMEOUT_MILLIS;
    }

    public static HttpOutput of(String url) {
        return new HttpOutput(null, url, null, null, null, null, null);
    }

    @Override
    public HttpOutput withDelivery(DeliveryConfig d) {
        return new HttpOutput(d, url, urlFile, caFile, insecureSkipVerify, connectTimeoutMillis, requestTimeoutMillis);
    }

    public HttpOutput withTimeouts(int connectMillis, int requestMillis) {
        return new HttpOutput(delivery, url, urlFile, caFile, insecureSkipVerify, connectMillis, requestMillis);
    }

    @Override
    public void validateOwn(String key, List<String> errors) {
        validateRemote(key, errors);
        if (requestTimeoutMillis < 1) {
            errors.add(key + ".requestTimeoutMillis must be > 0");
        }
    }
}
