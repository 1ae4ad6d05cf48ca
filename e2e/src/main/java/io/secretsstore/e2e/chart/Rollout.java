package io.secretsstore.e2e.chart;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Waits until every DaemonSet and Deployment of a namespace is rolled out and all its pods are
 * ready. {@code helm --wait} is not enough here: it counts a workload as ready when at most
 * maxUnavailable pods are missing, and with one pod and maxUnavailable 1 (the one-node values) that
 * is a webhook with no pod at all, which the API server then cannot call.
 */
public final class Rollout {

  private Rollout() {}

  /**
   * @throws IllegalStateException naming the workloads still rolling after {@code timeout}
   */
  public static void await(KubernetesClient client, String namespace, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> pending = pending(client, namespace);
      if (pending.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "not rolled out and ready after " + timeout + ": " + String.join(", ", pending));
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the rollout", e);
      }
    }
  }

  /** The workloads of {@code namespace} that are not yet rolled out and ready. */
  public static List<String> pending(KubernetesClient client, String namespace) {
    List<String> pending = new ArrayList<>();
    for (DaemonSet ds : client.apps().daemonSets().inNamespace(namespace).list().getItems()) {
      var status = ds.getStatus();
      int desired = status == null ? -1 : status.getDesiredNumberScheduled();
      if (status == null
          || !Objects.equals(ds.getMetadata().getGeneration(), status.getObservedGeneration())
          || desired < 1
          || !Objects.equals(desired, status.getUpdatedNumberScheduled())
          || !Objects.equals(desired, status.getNumberReady())) {
        pending.add("DaemonSet " + ds.getMetadata().getName());
      }
    }
    for (Deployment d : client.apps().deployments().inNamespace(namespace).list().getItems()) {
      var status = d.getStatus();
      Integer wanted = d.getSpec().getReplicas();
      if (status == null
          || !Objects.equals(d.getMetadata().getGeneration(), status.getObservedGeneration())
          || !Objects.equals(wanted, status.getUpdatedReplicas())
          || !Objects.equals(wanted, status.getReadyReplicas())) {
        pending.add("Deployment " + d.getMetadata().getName());
      }
    }
    return pending;
  }
}
