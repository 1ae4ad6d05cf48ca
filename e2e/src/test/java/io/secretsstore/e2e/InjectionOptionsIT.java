package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The injector's pod annotations and reference forms as a user writes them, through the real
 * webhook and kubelet: {@code ignore-missing-secrets}, a pinned version {@code #N}, {@code
 * restart-on-secret-change: watch-for-data} restarting the container with the changed value, and a
 * container without {@code command} whose entrypoint the webhook reads from a loopback registry.
 */
@ExtendWith(E2eSystem.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class InjectionOptionsIT {

  private static final String NS = SeedStore.NAMESPACE;
  private static final Duration POD = Duration.ofMinutes(3);

  private Pods pods;
  private InstalledSystem system;
  private final String first = SuiteSecrets.value("options-v1");
  private final String second = SuiteSecrets.value("options-v2");
  private int firstVersion;

  @BeforeAll
  void setUp(InstalledSystem system) {
    this.system = system;
    pods = new Pods(system.cluster());
    firstVersion = system.store().putTestSecret("options", Map.of("password", first));
    system.store().putTestSecret("options", Map.of("password", second));
  }

  @Test
  void aMissingSecretIsSkippedOnlyWhenThePodSaysSo() {
    String env =
        """
        - name: PRESENT
          value: secrets-store:secret/data/e2e/options#password
        - name: MISSING
          value: secrets-store:secret/data/e2e/absent#password
        """;
    pods.apply(
        onePod("tolerant", "secrets-store.deckhouse.io/ignore-missing-secrets: \"true\"", env));
    pods.apply(onePod("strict", "", env));

    Pod tolerant = awaitPhase("tolerant", "Succeeded");
    Pod strict = awaitPhase("strict", "Failed");

    assertThat(pods.logs(NS, "tolerant", null))
        .contains("PRESENT=" + second)
        .doesNotContain("MISSING=");
    ContainerStatus app = strict.getStatus().getContainerStatuses().getFirst();
    assertThat(app.getState().getTerminated().getMessage()).contains("secret/data/e2e/absent");
    assertThat(pods.logs(NS, "strict", null)).doesNotContain("PRESENT=");
    assertThat(tolerant.getStatus().getContainerStatuses().getFirst().getRestartCount()).isZero();
    pods.delete(NS, "tolerant");
    pods.delete(NS, "strict");
  }

  @Test
  void aPinnedVersionReadsThatVersionAndTheUnpinnedReferenceTheLatest() {
    pods.apply(
        onePod(
            "pinned",
            "",
            """
            - name: PINNED
              value: secrets-store:secret/data/e2e/options#password#%d
            - name: LATEST
              value: secrets-store:secret/data/e2e/options#password
            """
                .formatted(firstVersion)));

    awaitPhase("pinned", "Succeeded");

    assertThat(pods.logs(NS, "pinned", null))
        .contains("PINNED=" + first)
        .contains("LATEST=" + second);
    pods.delete(NS, "pinned");
  }

  @Test
  void watchForDataRestartsTheContainerWithTheChangedValue() {
    String watched = SuiteSecrets.value("watched-v1");
    String changed = SuiteSecrets.value("watched-v2");
    system.store().putTestSecret("watched", Map.of("password", watched));
    pods.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: watcher
          namespace: %s
          annotations:
            secrets-store.deckhouse.io/role: myapp
            secrets-store.deckhouse.io/restart-on-secret-change: watch-for-data
            secrets-store.deckhouse.io/secret-poll-interval: 10s
        spec:
          serviceAccountName: myapp
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "echo WATCHED=$WATCHED; sleep 36000"]
            env:
            - name: WATCHED
              value: secrets-store:secret/data/e2e/watched#password
        """
            .formatted(NS, Manifests.IMAGE));
    pods.awaitLogs(NS, "watcher", log -> log.contains("WATCHED=" + watched), POD);

    system.store().putTestSecret("watched", Map.of("password", changed));

    Pod restarted =
        pods.awaitCondition(
            NS,
            "watcher",
            pod ->
                pod.getStatus().getContainerStatuses().stream()
                    .anyMatch(c -> c.getRestartCount() >= 1 && c.getState().getRunning() != null),
            POD);
    assertThat(
            restarted.getStatus().getContainerStatuses().getFirst().getLastState().getTerminated())
        .isNotNull();
    pods.awaitLogs(NS, "watcher", log -> log.contains("WATCHED=" + changed), POD);
    pods.delete(NS, "watcher");
  }

  @Test
  void aContainerWithoutCommandRunsItsImagesEntrypointLookedUpInTheRegistry() {
    String greeting = SuiteSecrets.value("greeting");
    system.store().putTestSecret("entry", Map.of("greeting", greeting));
    pods.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: no-command
          namespace: %s
          annotations:
            secrets-store.deckhouse.io/role: myapp
        spec:
          serviceAccountName: myapp
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            imagePullPolicy: IfNotPresent
            env:
            - name: GREETING
              value: secrets-store:secret/data/e2e/entry#greeting
        """
            .formatted(NS, system.entrypointImage()));

    String log = pods.awaitLogs(NS, "no-command", l -> l.contains("GREETING=" + greeting), POD);

    // The image's ENTRYPOINT ran with its CMD: the webhook found both in the registry.
    assertThat(log).contains("args=from-image-cmd");
    pods.delete(NS, "no-command");
  }

  /**
   * A pod that prints the test's variables once and exits; {@code annotation} is one extra
   * annotation line, {@code env} the container's env list.
   */
  private static String onePod(String name, String annotation, String env) {
    return """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: %s
          annotations:
            secrets-store.deckhouse.io/role: myapp
            %s
        spec:
          serviceAccountName: myapp
          restartPolicy: Never
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "printenv | grep -E '^(PRESENT|MISSING|PINNED|LATEST)=' || true"]
            env:
        %s"""
        .formatted(name, NS, annotation, Manifests.IMAGE, env.indent(4));
  }

  private Pod awaitPhase(String name, String phase) {
    return pods.awaitCondition(NS, name, pod -> phase.equals(pod.getStatus().getPhase()), POD);
  }
}
