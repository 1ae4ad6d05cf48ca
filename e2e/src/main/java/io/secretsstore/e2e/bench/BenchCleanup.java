package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.cluster.HostMounts;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/** Waits until the benchmark's pods of a phase are gone, so the next phase starts from quiet. */
final class BenchCleanup {

  private BenchCleanup() {}

  static void awaitPodsGone(KubernetesClient client, String labelKey, String value, Duration max) {
    awaitPodsGone(client, null, labelKey, value, max);
  }

  /**
   * As {@link #awaitPodsGone(KubernetesClient, String, String, Duration)}, and then until kubelet
   * has torn down every volume of those pods on the node ({@code kubeletRoot} not null): kubelet
   * removes a pod from the API before its volumes, and a volume still mounted is still rotated, so
   * the next phase would count its reads.
   */
  static void awaitPodsGone(
      KubernetesClient client, Path kubeletRoot, String labelKey, String value, Duration max) {
    Instant deadline = Instant.now().plus(max);
    Set<String> uids = new HashSet<>();
    while (Instant.now().isBefore(deadline)) {
      var pods =
          client
              .pods()
              .inNamespace(BenchManifests.NAMESPACE)
              .withLabel(labelKey, value)
              .list()
              .getItems();
      pods.forEach(p -> uids.add(p.getMetadata().getUid()));
      if (pods.isEmpty()) {
        awaitVolumesGone(kubeletRoot, uids, deadline, labelKey + "=" + value);
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

  private static void awaitVolumesGone(
      Path kubeletRoot, Set<String> uids, Instant deadline, String what) {
    if (kubeletRoot == null || uids.isEmpty()) {
      return;
    }
    while (true) {
      long left =
          uids.stream()
              .filter(uid -> !HostMounts.under(kubeletRoot.resolve("pods").resolve(uid)).isEmpty())
              .count();
      if (left == 0) {
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(
            left + " benchmark pods " + what + " still have volumes mounted on the node");
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
