package io.secretsstore.controller;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.controller.config.ControllerProperties;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.testkit.KubernetesApiMock;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * The controller's own settings as the chart gives them: the duration grammar, the plain-http rule
 * of the Secret mode, a blank token audience.
 */
@ExtendWith(OutputCaptureExtension.class)
class ControllerSettingsIT {

  static final String NS = "team-h";

  static KubernetesApiMock kubernetes;
  static NamespacedKubernetesClient api;

  @BeforeAll
  static void start() {
    kubernetes = new KubernetesApiMock();
    api = kubernetes.client();
  }

  @AfterAll
  static void stop() {
    api.close();
    kubernetes.close();
  }

  /**
   * An import naming a plain {@code http://} store, on the allowlist, while the module does not
   * allow http: SyncFailed saying why and what to set, no token requested, and nothing ever
   * connects to that address.
   */
  @Test
  void aPlainHttpStoreIsRefusedBeforeAnyTokenOrConnection() throws Exception {
    api.serviceAccounts()
        .inNamespace(NS)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName("syncer").endMetadata().build())
        .create();
    try (CountingListener listener = new CountingListener();
        ControllerHarness controller =
            new ControllerHarness(
                kubernetes,
                "secrets-store.operator.leader-election.enabled=false",
                "secrets-store.controller.secret-sync.enabled=true",
                "secrets-store.controller.secret-sync.namespaces=" + NS,
                "secrets-store.connection.url=https://store.example.com:8200",
                "secrets-store.connection.allowed-addresses=" + listener.address())) {
      int tokenRequests = kubernetes.tokenRequestCount();
      SecretsStoreImport plain =
          Imports.secret(NS, "plain-http", "syncer", file("user", "secret/data/db", "user"));
      plain.getSpec().setRole("syncer");
      plain.getSpec().setAddress(listener.address());
      api.resource(plain).create();

      Condition ready =
          await()
              .atMost(Duration.ofSeconds(30))
              .until(
                  () -> {
                    SecretsStoreImport ssi =
                        api.resources(SecretsStoreImport.class)
                            .inNamespace(NS)
                            .withName("plain-http")
                            .get();
                    return ssi == null || ssi.getStatus() == null
                        ? null
                        : ssi.getStatus().getConditions().stream()
                            .filter(c -> c.getType().equals("Ready"))
                            .findFirst()
                            .orElse(null);
                  },
                  c -> c != null);
      assertThat(ready.getStatus()).isEqualTo("False");
      assertThat(ready.getReason()).isEqualTo("SyncFailed");
      assertThat(ready.getMessage())
          .contains(listener.address())
          .contains("plain http")
          .contains("allowInsecureHttp");
      assertThat(kubernetes.tokenRequestCount()).isEqualTo(tokenRequests);
      assertThat(api.secrets().inNamespace(NS).withName("plain-http").get()).isNull();
      assertThat(listener.connections()).isZero();
    }
  }

  /** Plain seconds, as the CRD's refreshInterval pattern admits them, and Go-style compounds. */
  @Test
  void durationSettingsUseTheOneGrammar() {
    try (ControllerHarness controller =
        new ControllerHarness(
            kubernetes,
            "secrets-store.operator.leader-election.enabled=false",
            "secrets-store.controller.secret-sync.refresh-interval=120",
            "secrets-store.controller.secret-sync.token-lifetime=1h30m")) {
      ControllerProperties.SecretSync sync =
          controller.bean(ControllerProperties.class).secretSync();
      assertThat(sync.refreshInterval()).isEqualTo(Duration.ofSeconds(120));
      assertThat(sync.tokenLifetime()).isEqualTo(Duration.ofMinutes(90));
    }
  }

  /** Empty would mean the API server's audience: the start stops, one line naming the setting. */
  @Test
  void aBlankTokenAudienceStopsTheStartWithOneLine(CapturedOutput output) {
    for (String blank : new String[] {"", " "}) {
      assertThatThrownBy(
              () ->
                  new ControllerHarness(
                          kubernetes,
                          "secrets-store.operator.leader-election.enabled=false",
                          "secrets-store.controller.secret-sync.token-audience=" + blank)
                      .close())
          .satisfies(
              failure -> {
                Throwable root = failure;
                while (root.getCause() != null) {
                  root = root.getCause();
                }
                assertThat(root).isInstanceOf(IllegalArgumentException.class);
                assertThat(root.getMessage())
                    .startsWith(
                        "secrets-store.controller.secret-sync.token-audience must be set to a"
                            + " dedicated audience")
                    .doesNotContain("\n");
              });
    }
    // What the operator sees in the pod's log: Spring Boot's start-failure report with that line,
    // no stack trace.
    assertThat(output.getOut() + output.getErr())
        .contains("APPLICATION FAILED TO START")
        .contains(
            "Reason: java.lang.IllegalArgumentException:"
                + " secrets-store.controller.secret-sync.token-audience must be set to a dedicated"
                + " audience");
  }

  /** Counts TCP connections; answers none. */
  static final class CountingListener implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();

    CountingListener() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread.ofVirtual()
          .start(
              () -> {
                while (!socket.isClosed()) {
                  try (Socket ignored = socket.accept()) {
                    connections.incrementAndGet();
                  } catch (IOException closed) {
                    return;
                  }
                }
              });
    }

    String address() {
      return "http://127.0.0.1:" + socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
