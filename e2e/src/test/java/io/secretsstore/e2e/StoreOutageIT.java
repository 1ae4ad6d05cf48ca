package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.cluster.Waiting;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The store is down while pods start: they wait (kubelet retries the mount; the injected container
 * is restarted) and start once it is back, with nothing half-written.
 */
@ExtendWith(E2eSystem.class)
class StoreOutageIT {

  private static final String NS = SeedStore.NAMESPACE;

  @Test
  void podsStartingDuringAnOutageWaitAndStartWhenTheStoreIsBack(InstalledSystem system) {
    Pods pods = new Pods(system.cluster());
    String value = SuiteSecrets.value("outage");
    system.store().putTestSecret("outage", Map.of("password", value));
    pods.apply(Manifests.importOf(NS, "outage", "password", "outage", "password"));

    system.gate().close();
    try {
      pods.apply(Manifests.podWithImport(NS, "outage-files", "myapp", "outage", "true"));
      pods.apply(
          """
          apiVersion: v1
          kind: Pod
          metadata:
            name: outage-env
            namespace: my-namespace
            annotations:
              secrets-store.deckhouse.io/role: myapp
          spec:
            serviceAccountName: myapp
            terminationGracePeriodSeconds: 1
            containers:
            - name: app
              image: %s
              command: ["sh", "-c", "printenv PASSWORD; sleep 36000"]
              env:
              - name: PASSWORD
                value: secrets-store:secret/data/e2e/outage#password
          """
              .formatted(Manifests.IMAGE));

      String event =
          pods.awaitEvent(
              NS,
              "outage-files",
              e -> e.contains("FailedMount") || e.contains("SecretsStoreMountFailed"),
              Duration.ofMinutes(3));
      assertThat(event).containsAnyOf("unreachable", "connect", "refused", "unavailable");
      assertThat(pods.get(NS, "outage-files").getStatus().getPhase()).isEqualTo("Pending");
      // kubelet retries the publish; our driver counts a repeated failure up on one Event (a
      // merge patch, allowed by the chart's RBAC) instead of creating one per retry.
      Event counted = awaitCountedUp(system, "outage-files", "SecretsStoreMountFailed");
      assertThat(counted.getType()).isEqualTo("Warning");
      assertThat(counted.getMessage()).containsAnyOf("unreachable", "refused");
    } finally {
      system.gate().open();
    }

    // kubelet retries the mount with a backoff of up to about two minutes.
    pods.awaitReady(NS, "outage-files", Duration.ofMinutes(5));
    assertThat(pods.exec(NS, "outage-files", "cat", "/mnt/secrets/password").orThrow().stdout())
        .isEqualTo(value);
    pods.awaitReady(NS, "outage-env", Duration.ofMinutes(6));
    assertThat(
            pods.awaitLogs(NS, "outage-env", text -> text.contains(value), Duration.ofMinutes(1)))
        .contains(value);
    pods.delete(NS, "outage-files");
    pods.delete(NS, "outage-env");
  }

  private static Event awaitCountedUp(InstalledSystem system, String pod, String reason) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (true) {
      List<Event> ours =
          system.cluster().client().v1().events().inNamespace(NS).list().getItems().stream()
              .filter(e -> pod.equals(e.getInvolvedObject().getName()))
              .filter(e -> reason.equals(e.getReason()))
              .toList();
      Optional<Event> counted =
          ours.stream().filter(e -> e.getCount() != null && e.getCount() >= 2).findFirst();
      if (counted.isPresent()) {
        return counted.get();
      }
      assertThat(Instant.now())
          .as("no %s Event of %s counted up to 2 within 3 min; ours: %s", reason, pod, ours)
          .isBefore(deadline);
      Waiting.sleep(Duration.ofSeconds(2));
    }
  }
}
