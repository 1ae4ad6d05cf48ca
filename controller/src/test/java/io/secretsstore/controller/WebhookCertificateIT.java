package io.secretsstore.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.testkit.KubernetesApiMock;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The controller keeps the webhook's TLS against the mock API server: Secrets, the caBundle, a real
 * TLS handshake with what it issued, and renewal driven by a test clock.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebhookCertificateIT {

  static final String NS = "d8-secrets-store";
  static final String SERVICE_HOST = "secrets-store-webhook." + NS + ".svc";
  static final MutableClock clock = new MutableClock(Instant.now());
  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;
  static ControllerHarness controller;

  @BeforeAll
  static void start() {
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
    api.resource(
            new MutatingWebhookConfigurationBuilder()
                .withNewMetadata()
                .withName("secrets-store-webhook")
                .endMetadata()
                .addNewWebhook()
                .withName("pods.secrets-store.deckhouse.io")
                .withNewClientConfig()
                .withNewService()
                .withName("secrets-store-webhook")
                .withNamespace(NS)
                .withPath("/mutate-pods")
                .endService()
                .endClientConfig()
                .withAdmissionReviewVersions("v1")
                .withSideEffects("None")
                .endWebhook()
                .addNewWebhook()
                .withName("someone-else.example.com")
                .withNewClientConfig()
                .withNewService()
                .withName("other")
                .withNamespace("other-ns")
                .endService()
                .withCaBundle("T1RIRVI=")
                .endClientConfig()
                .withAdmissionReviewVersions("v1")
                .withSideEffects("None")
                .endWebhook()
                .build())
        .create();
    controller =
        new ControllerHarness(
            kubernetes,
            clock,
            "secrets-store.operator.leader-election.enabled=false",
            "secrets-store.controller.webhook-certificates.service-namespace=" + NS);
  }

  @AfterAll
  static void stop() {
    if (controller != null) {
      controller.close();
    }
    api.close();
    kubernetes.close();
  }

  @Test
  @Order(1)
  void issuesTheCertificatePatchesOnlyOurEntryAndServesTls() throws Exception {
    String bundle = awaitOurBundle(null);
    Secret tls = secret("secrets-store-webhook-tls");
    assertThat(tls.getType()).isEqualTo("kubernetes.io/tls");
    assertThat(decode(tls.getData().get("ca.crt"))).isEqualTo(decode(bundle));
    assertThat(tls.getData()).doesNotContainKey("ca.key");
    assertThat(secret("secrets-store-webhook-tls-ca").getData()).containsKey("ca.key");
    assertThat(webhooks().getWebhooks().get(1).getClientConfig().getCaBundle())
        .isEqualTo("T1RIRVI=");

    handshake(tls, decode(bundle));

    // A reconcile with nothing to do writes nothing (the only patch is the test's own touch).
    int secretWrites = secretWrites();
    int configurationPatches = configurationPatches();
    touch();
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                secretWrites() == secretWrites
                    && configurationPatches() == configurationPatches + 1);
  }

  @Test
  @Order(3)
  void theServingCertificateIsRenewedBeforeItExpiresWithTheSameCa() throws Exception {
    String bundle = webhooks().getWebhooks().getFirst().getClientConfig().getCaBundle();
    String servingBefore = secret("secrets-store-webhook-tls").getData().get("tls.crt");

    // Runs last: from here on the controller's clock is ahead of the real one.
    clock.advance(Duration.ofDays(250));
    touch();

    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                !servingBefore.equals(
                    secret("secrets-store-webhook-tls").getData().get("tls.crt")));
    assertThat(webhooks().getWebhooks().getFirst().getClientConfig().getCaBundle())
        .isEqualTo(bundle);
    assertThat(
            controller
                .bean(io.micrometer.core.instrument.MeterRegistry.class)
                .get("secrets_store.controller.webhook_certificate.issued")
                .tag("kind", "serving")
                .counter()
                .count())
        .isEqualTo(3);
  }

  @Test
  @Order(2)
  void aDeletedCaSecretMeansANewCaAndANewBundle() throws Exception {
    String bundle = webhooks().getWebhooks().getFirst().getClientConfig().getCaBundle();
    // Whenever the serving Secret changes, the caBundle must already trust its CA.
    java.util.List<String> untrustedWhenServed =
        java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.atomic.AtomicInteger servingWrites =
        new java.util.concurrent.atomic.AtomicInteger();
    try (var watch =
        api.secrets()
            .inNamespace(NS)
            .withName("secrets-store-webhook-tls")
            .watch(
                new io.fabric8.kubernetes.client.Watcher<Secret>() {
                  @Override
                  public void eventReceived(Action action, Secret secret) {
                    if (action == Action.DELETED || secret.getData() == null) {
                      return;
                    }
                    servingWrites.incrementAndGet();
                    String ca = decode(secret.getData().get("ca.crt"));
                    String trusted =
                        decode(webhooks().getWebhooks().getFirst().getClientConfig().getCaBundle());
                    for (String block : ca.split("(?<=-----END CERTIFICATE-----)")) {
                      if (!block.isBlank() && !trusted.contains(block.strip())) {
                        untrustedWhenServed.add(block.strip());
                      }
                    }
                  }

                  @Override
                  public void onClose(io.fabric8.kubernetes.client.WatcherException cause) {}
                })) {
      api.secrets().inNamespace(NS).withName("secrets-store-webhook-tls-ca").delete();

      String renewed = awaitOurBundle(bundle);
      Secret tls = secret("secrets-store-webhook-tls");
      assertThat(decode(tls.getData().get("ca.crt"))).isEqualTo(decode(renewed));
      handshake(tls, decode(renewed));
      await().atMost(Duration.ofSeconds(10)).until(() -> servingWrites.get() >= 1);
    }
    assertThat(untrustedWhenServed).isEmpty();
  }

  private static String awaitOurBundle(String previous) {
    return await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> webhooks().getWebhooks().getFirst().getClientConfig().getCaBundle(),
            b -> b != null && !b.equals(previous) && secret("secrets-store-webhook-tls") != null);
  }

  /** A TLS server with the issued key and certificate, a client that trusts only the bundle. */
  private static void handshake(Secret tls, String bundlePem) throws Exception {
    CertificateFactory x509 = CertificateFactory.getInstance("X.509");
    Certificate serving =
        x509.generateCertificate(
            new ByteArrayInputStream(decode(tls.getData().get("tls.crt")).getBytes()));
    String keyPem = decode(tls.getData().get("tls.key"));
    byte[] der =
        Base64.getMimeDecoder()
            .decode(keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("webhook", key, new char[0], new Certificate[] {serving});
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance("PKIX");
    keyManagers.init(keys, new char[0]);
    SSLContext server = SSLContext.getInstance("TLS");
    server.init(keyManagers.getKeyManagers(), null, null);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    int i = 0;
    for (Certificate ca :
        x509.generateCertificates(new ByteArrayInputStream(bundlePem.getBytes()))) {
      trust.setCertificateEntry("ca-" + i++, ca);
    }
    TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
    trustManagers.init(trust);
    SSLContext client = SSLContext.getInstance("TLS");
    client.init(null, trustManagers.getTrustManagers(), null);

    try (SSLServerSocket listener =
        (SSLServerSocket)
            server
                .getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try (Socket accepted = listener.accept();
                        OutputStream out = accepted.getOutputStream()) {
                      out.write("ok".getBytes(StandardCharsets.US_ASCII));
                    } catch (Exception e) {
                      // The client side reports the failure.
                    }
                  });
      try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
          SSLSocket socket =
              (SSLSocket)
                  client
                      .getSocketFactory()
                      .createSocket(plain, SERVICE_HOST, listener.getLocalPort(), true)) {
        SSLParameters parameters = socket.getSSLParameters();
        // Verify the name the API server uses for the Service, as it does.
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        InputStream in = socket.getInputStream();
        assertThat(new String(in.readNBytes(2), StandardCharsets.US_ASCII)).isEqualTo("ok");
      }
      acceptor.join();
    }
  }

  /** An update of the webhook configuration, which brings it back to the reconciler. */
  private static void touch() {
    api.admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName("secrets-store-webhook")
        .edit(
            m -> {
              m.getMetadata().setLabels(Map.of("touched", Long.toString(System.nanoTime())));
              return m;
            });
  }

  private static int secretWrites() {
    return kubernetes.requestCount("PUT", "/api/v1/namespaces/" + NS + "/secrets")
        + kubernetes.requestCount("POST", "/api/v1/namespaces/" + NS + "/secrets");
  }

  private static int configurationPatches() {
    return kubernetes.requestCount(
        "PATCH", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations");
  }

  private static MutatingWebhookConfiguration webhooks() {
    return api.admissionRegistration()
        .v1()
        .mutatingWebhookConfigurations()
        .withName("secrets-store-webhook")
        .get();
  }

  private static Secret secret(String name) {
    return api.secrets().inNamespace(NS).withName(name).get();
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64), StandardCharsets.US_ASCII);
  }
}
