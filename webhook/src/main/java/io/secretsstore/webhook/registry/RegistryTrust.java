package io.secretsstore.webhook.registry;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The trust used for registries: the JVM's CAs plus those of a configured PEM bundle (private
 * registries with their own CA). jib-core's HTTP client uses the JVM default, so this becomes it.
 */
public final class RegistryTrust {

  private RegistryTrust() {}

  public static void install(String caFile) throws Exception {
    if (caFile == null || caFile.isBlank()) {
      return;
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    TrustManagerFactory system =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    system.init((KeyStore) null);
    int index = 0;
    for (TrustManager manager : system.getTrustManagers()) {
      if (manager instanceof X509TrustManager x509) {
        for (X509Certificate issuer : x509.getAcceptedIssuers()) {
          store.setCertificateEntry("system-" + index++, issuer);
        }
      }
    }
    try (InputStream in = Files.newInputStream(Path.of(caFile))) {
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        store.setCertificateEntry("configured-" + index++, certificate);
      }
    }
    TrustManagerFactory combined =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    combined.init(store);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, combined.getTrustManagers(), null);
    SSLContext.setDefault(context);
  }
}
