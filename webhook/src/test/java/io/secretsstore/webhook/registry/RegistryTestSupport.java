package io.secretsstore.webhook.registry;

import io.secretsstore.testkit.TestCertificateAuthority;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** A started test registry whose CA the JVM trusts, for tests outside this package. */
public final class RegistryTestSupport implements AutoCloseable {

  private final TestRegistry registry;
  private final SSLContext original;

  private RegistryTestSupport(TestRegistry registry, SSLContext original) {
    this.registry = registry;
    this.original = original;
  }

  public static RegistryTestSupport start(TestCertificateAuthority ca) throws Exception {
    SSLContext original = SSLContext.getDefault();
    SSLContext.setDefault(trusting(ca));
    return new RegistryTestSupport(new TestRegistry(ca), original);
  }

  public static SSLContext trusting(TestCertificateAuthority authority) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", authority.certificate());
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, factory.getTrustManagers(), null);
    return context;
  }

  public String host() {
    return registry.host();
  }

  public String user() {
    return TestRegistry.USER;
  }

  public String password() {
    return TestRegistry.PASSWORD;
  }

  @Override
  public void close() {
    registry.close();
    SSLContext.setDefault(original);
  }
}
