package io.secretsstore.vault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** Builds the {@link SSLContext} for a {@link TlsOptions}. */
final class StoreTls {

  private StoreTls() {}

  static SSLContext sslContext(TlsOptions options) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      TrustManager trustManager;
      if (options.skipVerify()) {
        trustManager = new AcceptAnyCertificate();
      } else if (options.serverName().isPresent()) {
        trustManager =
            new ServerNameVerifier(verifyingTrustManager(options), options.serverName().get());
      } else {
        trustManager = verifyingTrustManager(options);
      }
      context.init(null, new TrustManager[] {trustManager}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for the store: " + e.getMessage(), e);
    }
  }

  /** Parses every certificate in a PEM bundle; fails with a clear message on anything else. */
  static Collection<X509Certificate> parsePem(String pem, String origin) {
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException(origin + " does not contain a PEM certificate");
    }
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      @SuppressWarnings("unchecked")
      Collection<X509Certificate> certificates =
          (Collection<X509Certificate>)
              factory.generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
      if (certificates.isEmpty()) {
        throw new IllegalArgumentException(origin + " does not contain a PEM certificate");
      }
      return certificates;
    } catch (CertificateException e) {
      throw new IllegalArgumentException(
          origin + " is not a valid PEM X.509 certificate: " + e.getMessage(), e);
    }
  }

  private static X509ExtendedTrustManager verifyingTrustManager(TlsOptions options)
      throws GeneralSecurityException {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (options.caCertPem().isEmpty() && options.caCertFile().isEmpty()) {
      factory.init((KeyStore) null); // the JVM's system CAs
      return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
    }
    Collection<X509Certificate> certificates;
    if (options.caCertPem().isPresent()) {
      certificates = parsePem(options.caCertPem().get(), "the CA certificate");
    } else {
      var file = options.caCertFile().get();
      String pem;
      try {
        pem = Files.readString(file, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new IllegalArgumentException(
            "cannot read the CA certificate file " + file + ": " + e, e);
      }
      certificates = parsePem(pem, "the CA certificate file " + file);
    }
    KeyStore trustStore = KeyStore.getInstance(KeyStore.getDefaultType());
    try {
      trustStore.load(null, null);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    int index = 0;
    for (X509Certificate certificate : certificates) {
      trustStore.setCertificateEntry("ca-" + index++, certificate);
    }
    factory.init(trustStore);
    return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
  }

  /**
   * Verifies the chain with the delegate, then the certificate's names against a configured server
   * name instead of the address host (the store client's sockets always ask for the address host,
   * see HostCheckingSocketFactory, so the chain check deliberately uses the overload without a
   * socket or engine).
   */
  private static final class ServerNameVerifier extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    private final String serverName;

    ServerNameVerifier(X509ExtendedTrustManager delegate, String serverName) {
      this.delegate = delegate;
      this.serverName = serverName.toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkServerTrusted(chain, authType);
      if (!matchesServerName(chain[0])) {
        throw new CertificateException(
            "the store certificate is not valid for the configured TLS server name " + serverName);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      delegate.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }

    private boolean matchesServerName(X509Certificate certificate) throws CertificateException {
      var alternativeNames = certificate.getSubjectAlternativeNames();
      if (alternativeNames == null) {
        return false;
      }
      for (var entry : alternativeNames) {
        int type = (Integer) entry.get(0);
        String name = String.valueOf(entry.get(1)).toLowerCase(java.util.Locale.ROOT);
        if ((type == 2 || type == 7) && hostMatches(name, serverName)) {
          return true;
        }
      }
      return false;
    }
  }

  /** RFC 6125 matching: exact, or a single left-most wildcard label. */
  static boolean hostMatches(String pattern, String host) {
    if (pattern.equals(host)) {
      return true;
    }
    if (pattern.startsWith("*.")) {
      int dot = host.indexOf('.');
      return dot > 0 && host.substring(dot).equals(pattern.substring(1));
    }
    return false;
  }

  /** For {@code skipTLSVerify}: trusts every chain and, by not checking, every host name. */
  private static final class AcceptAnyCertificate extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
