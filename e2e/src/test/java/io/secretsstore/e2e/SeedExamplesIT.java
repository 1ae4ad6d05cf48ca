package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.Examples;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The module's three documented ways of getting the {@code myapp} secret into a pod, applied as the
 * usage guide writes them (see {@code seeds/README.md} for the two contradictions it has).
 */
@ExtendWith(E2eSystem.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SeedExamplesIT {

  private static final String NS = SeedStore.NAMESPACE;
  private static final Duration START = Duration.ofMinutes(3);

  private Pods pods;

  @BeforeAll
  void applyTheExamples(InstalledSystem system) {
    pods = new Pods(system.cluster());
    for (String example : List.of("myapp-ssi.yaml", "myapp1.yaml", "myapp2.yaml", "myapp3.yaml")) {
      pods.apply(Examples.yaml(example));
    }
  }

  @Test
  void envFromPathPutsEveryKeyOfTheSecretIntoTheEnvironment() {
    pods.awaitReady(NS, "myapp1", START);
    String logs =
        pods.awaitLogs(NS, "myapp1", text -> text.contains("DB_PASS="), Duration.ofMinutes(1));

    assertThat(logs).contains("DB_USER=" + SeedStore.DB_USER, "DB_PASS=" + SeedStore.DB_PASS);
  }

  @Test
  void explicitReferencesAreReplacedByTheirValues() {
    pods.awaitReady(NS, "myapp2", START);
    String logs =
        pods.awaitLogs(NS, "myapp2", text -> text.contains("DB_PASS="), Duration.ofMinutes(1));

    assertThat(logs).contains("DB_USER=" + SeedStore.DB_USER, "DB_PASS=" + SeedStore.DB_PASS);
    assertThat(logs).doesNotContain("secrets-store:");
  }

  @Test
  void theImportIsMountedAsAFile() {
    pods.awaitReady(NS, "myapp3", START);
    String logs =
        pods.awaitLogs(
            NS, "myapp3", text -> text.contains(SeedStore.DB_PASS), Duration.ofMinutes(1));

    assertThat(logs.lines().filter(line -> !line.isBlank()).findFirst())
        .contains(SeedStore.DB_PASS);
  }

  @Test
  void theImportReportsReady(InstalledSystem system) {
    GenericKubernetesResource ssi =
        system
            .cluster()
            .client()
            .genericKubernetesResources("deckhouse.io/v1alpha1", "SecretsStoreImport")
            .inNamespace(NS)
            .withName("myapp-ssi")
            .waitUntilCondition(
                resource -> readyStatus(resource).equals("True"),
                2,
                java.util.concurrent.TimeUnit.MINUTES);

    assertThat(readyStatus(ssi)).isEqualTo("True");
  }

  private static String readyStatus(GenericKubernetesResource resource) {
    return String.valueOf(ImportConditions.ready(resource).getOrDefault("status", ""));
  }
}
