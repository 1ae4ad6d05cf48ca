package io.secretsstore.provider;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.daemon.startup.StartupWarmUp;
import io.secretsstore.model.provider.v1alpha1.MountResponse;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import io.secretsstore.vault.StoreClients;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The provider's start-up warm-up (issue 17) against a real OpenBao behind a request-counting
 * proxy, on a real unix socket: it asks the store nothing, readiness turns true only after it (all
 * five steps), and the first Mount uses the store client it created.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.NONE, properties = "server.port=0")
class ProviderWarmUpIT {

  static final String NAMESPACE = "team-w";
  static final String ACCOUNT = "app";
  static final String AUDIENCE = "secrets-store";

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static RequestCountingProxy proxy;
  static Path socketDir;
  static String auth;
  static String prefix;

  /** What the warm-up had done when readiness changed, in order. */
  static final List<String> atReadiness = new CopyOnWriteArrayList<>();

  @Autowired StartupWarmUp warmUp;
  @Autowired StoreClients clients;

  @TestConfiguration
  static class ReadinessWitness {
    @Bean
    ApplicationListener<ApplicationEvent> readinessWitness(ObjectProvider<StartupWarmUp> warmUp) {
      return event -> {
        if (event instanceof AvailabilityChangeEvent<?> change
            && change.getState() instanceof ReadinessState state) {
          StartupWarmUp w = warmUp.getObject();
          atReadiness.add(
              state
                  + " finished="
                  + w.finished()
                  + " steps="
                  + w.results().size()
                  + " storeRequests="
                  + proxy.counts().size());
        }
      };
    }
  }

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    proxy = new RequestCountingProxy(store.address());
    socketDir = Files.createTempDirectory("provider-warm-up");
    auth = SharedStore.unique("kube");
    prefix = SharedStore.unique("w");
    StoreAdmin admin = store.admin();
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        "app",
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofMinutes(10),
        AUDIENCE);
    admin.putKv2("secret", prefix + "/db", Map.of("user", "svc"));
    registry.add("secrets-store.provider.socket-dir", socketDir::toString);
    registry.add(
        "secrets-store.provider.object-version-key-file",
        () -> socketDir + "-state/object-version.key");
    registry.add("secrets-store.connection.url", proxy::address);
    registry.add("secrets-store.connection.auth-path", () -> auth);
  }

  @AfterAll
  static void tearDown() {
    proxy.close();
  }

  @Test
  void warmsUpWithoutTheStoreBeforeReadinessAndTheFirstMountUsesItsClient() throws Exception {
    // Readiness turned true once, after every step, and nothing had reached the store by then.
    assertThat(atReadiness)
        .containsExactly("ACCEPTING_TRAFFIC finished=true steps=5 storeRequests=0");
    assertThat(warmUp.gaveUp()).isFalse();
    assertThat(warmUp.results())
        .extracting(StartupWarmUp.StepResult::name, StartupWarmUp.StepResult::failure)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("mount request", null),
            org.assertj.core.groups.Tuple.tuple("store client", null),
            org.assertj.core.groups.Tuple.tuple("store exchange", null),
            org.assertj.core.groups.Tuple.tuple("meters", null),
            org.assertj.core.groups.Tuple.tuple("virtual thread", null));
    assertThat(proxy.counts()).isEmpty();
    // The module connection's client exists already, unused.
    assertThat(clients.size()).isEqualTo(1);

    String token =
        kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofMinutes(10));
    try (ProviderClient client = new ProviderClient(socketDir.resolve("vault.sock"))) {
      MountResponse response =
          client.mount(
              ProviderClient.attributes(
                  NAMESPACE,
                  ACCOUNT,
                  Map.of(AUDIENCE, token),
                  Map.of(
                      "secretsStoreImport",
                      "myapp",
                      "role",
                      "app",
                      "files",
                      "[{\"name\":\"user\",\"source\":{\"path\":\"secret/data/"
                          + prefix
                          + "/db\",\"key\":\"user\"}}]")));
      assertThat(response.getFiles(0).getContents().toString(StandardCharsets.UTF_8))
          .isEqualTo("svc");
    }
    // The mount took the warm-up's client (the module's connection), no second one.
    assertThat(clients.size()).isEqualTo(1);
    assertThat(proxy.counts())
        .containsOnlyKeys(
            "POST /v1/auth/" + auth + "/login", "GET /v1/secret/data/" + prefix + "/db");
  }
}
