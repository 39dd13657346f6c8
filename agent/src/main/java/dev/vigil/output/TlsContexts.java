package dev.vigil.output;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * TLS client contexts for the sinks: the JVM's trusted CAs by default; the CAs of a PEM file
 * ({@code caFile}) instead; or, with {@code insecureSkipVerify}, no verification at all (tests only:
 * anyone on the path can read and change the alerts). Stateless.
 */
final class TlsContexts {
    private TlsContexts() {
    }

    static SSLContext create(String caFile, boolean insecure) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            if (insecure) {
                ctx.init(null, new TrustManager[] {new TrustAll()}, new SecureRandom());
            } else if (caFile != null) {
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                Collection<? extends Certificate> certs;
                try (InputStream in = Files.newInputStream(Path.of(caFile))) {
                    certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                }
                if (certs.isEmpty()) {
                    throw new IOException("no certificate in CA file " + caFile);
                }
                int i = 0;
                for (Certificate c : certs) {
                    ks.setCertificateEntry("ca-" + i++, c);
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            } else {
                ctx.init(null, null, new SecureRandom());
            }
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot set up TLS" + (caFile != null ? " with CA file " + caFile : "") + ": "
                + e.getMessage(), e);
        }
    }

    /** Accepts every certificate: only behind {@code insecureSkipVerify}. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
