package miniprobe.sim.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** TLS trust: the JDK's CAs plus the certificates of a PEM file (mitmproxy's CA). */
final class TrustedCertificates {
    private static final Pattern PEM_CERTIFICATE =
            Pattern.compile("-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----", Pattern.DOTALL);

    private TrustedCertificates() {
    }

    static SSLContext sslContextWith(Path pem) throws IOException, GeneralSecurityException {
        KeyStore anchors = KeyStore.getInstance(KeyStore.getDefaultType());
        anchors.load(null, null);
        int n = 0;
        for (X509Certificate certificate : jdkDefaults().getAcceptedIssuers()) {
            anchors.setCertificateEntry("jdk-" + n++, certificate);
        }
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        // Only the CERTIFICATE blocks: mitmproxy-ca.pem also holds the private key.
        Matcher blocks = PEM_CERTIFICATE.matcher(Files.readString(pem, StandardCharsets.US_ASCII));
        int extra = 0;
        while (blocks.find()) {
            Certificate certificate = factory.generateCertificate(
                    new ByteArrayInputStream(blocks.group().getBytes(StandardCharsets.US_ASCII)));
            anchors.setCertificateEntry("ca-" + extra++, certificate);
        }
        if (extra == 0) {
            throw new IOException("--ca " + pem + ": no PEM certificate (-----BEGIN CERTIFICATE-----) in the file");
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static X509TrustManager jdkDefaults() throws GeneralSecurityException {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init((KeyStore) null);
        for (TrustManager manager : trust.getTrustManagers()) {
            if (manager instanceof X509TrustManager) {
                return (X509TrustManager) manager;
            }
        }
        throw new GeneralSecurityException("the JDK has no X509 trust manager");
    }
}
