package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The opt-in Secret mode as the chart installs it (secretSync enabled for {@value #NS} only, the
 * store address allowlist set): the controller requests a token of the dedicated audience from the
 * real API server, logs in to the real store and keeps a Kubernetes Secret in sync. A tenant who
 * writes imports cannot make it mint a token for a namespace the administrator did not opt in, for
 * the API server's audience, or for an address the module does not allow.
 */
@ExtendWith(E2eSystem.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretSyncIT {

  static final String NS = SeedStore.NAMESPACE;
  private static final String NOT_OPTED_IN = "sync-not-opted-in";
  private static final Duration STATUS = Duration.ofMinutes(2);

  private Pods pods;
  private KubernetesClient client;
  private InstalledSystem system;

  @BeforeAll
  void setUp(InstalledSystem system) {
    this.system = system;
    pods = new Pods(system.cluster());
    client = system.cluster().client();
    pods.apply(Manifests.namespace(NOT_OPTED_IN));
    pods.apply(Manifests.serviceAccount(NOT_OPTED_IN, SeedStore.SERVICE_ACCOUNT));
  }

  @Test
  void anImportOfTypeSecretKeepsItsSecretInSyncAndTheSecretGoesWithTheImport() {
    String first = SuiteSecrets.value("synced");
    system.store().putTestSecret("synced", Map.of("password", first));
    pods.apply(secretImport(NS, "synced", "synced", "", ""));

    Secret secret = awaitSecret(NS, "synced", s -> first.equals(decoded(s, "password")));
    assertThat(secret.getType()).isEqualTo("Opaque");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getName()).isEqualTo("synced"));
    Map<String, Object> ready = awaitReady(NS, "synced", c -> "Synced".equals(c.get("reason")));
    assertThat(ready.get("status")).isEqualTo("True");
    assertThat(String.valueOf(ready.get("message"))).doesNotContain(first);

    String second = SuiteSecrets.value("synced");
    system.store().putTestSecret("synced", Map.of("password", second));
    awaitSecret(NS, "synced", s -> second.equals(decoded(s, "password")));

    // The owner reference makes the Secret go with the import (kube-controller-manager's GC).
    imports().inNamespace(NS).withName("synced").delete();
    client
        .secrets()
        .inNamespace(NS)
        .withName("synced")
        .waitUntilCondition(gone -> gone == null, STATUS.toMinutes(), TimeUnit.MINUTES);
  }

  @Test
  void aNamespaceTheAdministratorDidNotOptInGetsNoSecret() {
    String value = SuiteSecrets.value("not-opted-in");
    system.store().putTestSecret("not-opted-in", Map.of("password", value));
    pods.apply(secretImport(NOT_OPTED_IN, "wanted", "not-opted-in", "", ""));

    Map<String, Object> ready =
        awaitReady(NOT_OPTED_IN, "wanted", c -> "SecretSyncDisabled".equals(c.get("reason")));
    assertThat(ready.get("status")).isEqualTo("False");
    assertThat(String.valueOf(ready.get("message"))).contains(NOT_OPTED_IN);
    assertThat(client.secrets().inNamespace(NOT_OPTED_IN).withName("wanted").get()).isNull();
  }

  @Test
  void noTokenReachesAnAddressTheModuleDoesNotAllow() throws Exception {
    try (TokenTrap trap = new TokenTrap()) {
      pods.apply(
          secretImport(NS, "to-https-trap", "trapped", "https://127.0.0.1:" + trap.port(), ""));
      pods.apply(
          secretImport(NS, "to-http-trap", "trapped", "http://127.0.0.1:" + trap.port(), ""));

      for (String name : new String[] {"to-https-trap", "to-http-trap"}) {
        Map<String, Object> ready = awaitReady(NS, name, c -> "SyncFailed".equals(c.get("reason")));
        assertThat(ready.get("status")).isEqualTo("False");
        assertThat(String.valueOf(ready.get("message"))).contains("127.0.0.1:" + trap.port());
        assertThat(client.secrets().inNamespace(NS).withName(name).get()).isNull();
      }
      assertThat(trap.connections()).as("connections to the tenant's address").isZero();
    }
  }

  @Test
  void theApiServersAudienceIsNeverRequested() {
    String apiAudience = system.cluster().apiAudience();
    pods.apply(secretImport(NS, "api-audience", "trapped", "", apiAudience));

    Map<String, Object> ready =
        awaitReady(NS, "api-audience", c -> "SyncFailed".equals(c.get("reason")));
    assertThat(String.valueOf(ready.get("message"))).contains("spec.audience");
    assertThat(client.secrets().inNamespace(NS).withName("api-audience").get()).isNull();
  }

  /** An import of {@code secret/e2e/<storeSecret>#password} into Secret {@code name}. */
  private static String secretImport(
      String namespace, String name, String storeSecret, String address, String audience) {
    return """
        apiVersion: deckhouse.io/v1alpha1
        kind: SecretsStoreImport
        metadata:
          name: %s
          namespace: %s
        spec:
          type: Secret
          role: %s
        %s%s  files:
            - name: password
              source:
                path: secret/data/e2e/%s
                key: password
          secret:
            serviceAccountName: %s
            refreshInterval: 10s
        """
        .formatted(
            name,
            namespace,
            SeedStore.ROLE,
            address.isEmpty() ? "" : "  address: " + address + "\n",
            audience.isEmpty() ? "" : "  audience: " + audience + "\n",
            storeSecret,
            SeedStore.SERVICE_ACCOUNT);
  }

  private static String decoded(Secret secret, String key) {
    String data = secret.getData() == null ? null : secret.getData().get(key);
    return data == null
        ? null
        : new String(Base64.getDecoder().decode(data), StandardCharsets.UTF_8);
  }

  private Secret awaitSecret(String namespace, String name, Predicate<Secret> wanted) {
    return client
        .secrets()
        .inNamespace(namespace)
        .withName(name)
        .waitUntilCondition(s -> s != null && wanted.test(s), STATUS.toMinutes(), TimeUnit.MINUTES);
  }

  /** The import's Ready condition once it matches {@code wanted}. */
  private Map<String, Object> awaitReady(
      String namespace, String name, Predicate<Map<String, Object>> wanted) {
    GenericKubernetesResource ssi =
        imports()
            .inNamespace(namespace)
            .withName(name)
            .waitUntilCondition(
                r -> {
                  Map<String, Object> ready = ImportConditions.ready(r);
                  return !ready.isEmpty() && wanted.test(ready);
                },
                STATUS.toMinutes(),
                TimeUnit.MINUTES);
    return ImportConditions.ready(ssi);
  }

  private MixedOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      imports() {
    return client.genericKubernetesResources("deckhouse.io/v1alpha1", "SecretsStoreImport");
  }

  /** A tenant's "store": a loopback TCP listener that counts who connects to it. */
  private static final class TokenTrap implements AutoCloseable {
    private final ServerSocket socket;
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread acceptor;

    TokenTrap() throws IOException {
      socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      acceptor =
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

    int port() {
      return socket.getLocalPort();
    }

    int connections() {
      return connections.get();
    }

    @Override
    public void close() {
      try {
        socket.close();
        acceptor.join(Duration.ofSeconds(5));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
