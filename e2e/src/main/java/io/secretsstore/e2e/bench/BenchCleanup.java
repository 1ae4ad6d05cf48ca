package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.time.Instant;

/** Waits until the benchmark's pods of a phase are gone, so the next phase starts from quiet. */
final class BenchCleanup {

  private BenchCleanup() {}

  static void awaitPodsGone(KubernetesClient client, String labelKey, String value, Duration max) {
    Instant deadline = Instant.now().plus(max);
    while (Instant.now().isBefore(deadline)) {
      var pods =
          client
              .pods()
              .inNamespace(BenchManifests.NAMESPACE)
              .withLabel(labelKey, value)
              .list()
              .getItems();
      if (pods.isEmpty()) {
        return;
      }
      // Deleted with grace 0 already; pods that a kubelet retry re-creates state for are forced.
      pods.stream()
          .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
          .forEach(
              p ->
                  client
                      .pods()
                      .inNamespace(BenchManifests.NAMESPACE)
                      .withName(p.getMetadata().getName())
                      .withGracePeriod(0)
                      .delete());
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException(
        "benchmark pods " + labelKey + "=" + value + " still exist after " + max);
  }
}
