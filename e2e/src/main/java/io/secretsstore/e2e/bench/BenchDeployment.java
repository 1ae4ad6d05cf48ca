package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A Deployment of benchmark pods, created with 0 replicas so a phase can scale it at once, its pods
 * found by the {@value #LABEL} label, removed together with the pods' volumes on the node.
 */
final class BenchDeployment {

  static final String LABEL = "bench-burst";

  private final KubernetesClient client;
  private final String name;

  private BenchDeployment(KubernetesClient client, String name) {
    this.client = client;
    this.name = name;
  }

  /** The Deployment {@code name} (not created). */
  static BenchDeployment named(KubernetesClient client, String name) {
    return new BenchDeployment(client, name);
  }

  /** Creates (or updates) the Deployment {@code name} of {@code variant} pods, 0 replicas. */
  static BenchDeployment apply(KubernetesClient client, String name, PodVariant variant) {
    return apply(client, name, variant, java.util.Map.of());
  }

  /** The same with extra injection annotations ({@link BenchManifests#deployment}). */
  static BenchDeployment apply(
      KubernetesClient client,
      String name,
      PodVariant variant,
      java.util.Map<String, String> annotations) {
    client
        .load(
            new ByteArrayInputStream(
                BenchManifests.deployment(name, variant, annotations)
                    .getBytes(StandardCharsets.UTF_8)))
        .inNamespace(BenchManifests.NAMESPACE)
        .forceConflicts()
        .serverSideApply();
    return new BenchDeployment(client, name);
  }

  String name() {
    return name;
  }

  /** One watch over this Deployment's pods; open it before scaling to see every pod. */
  PodTimeline timeline() {
    return new PodTimeline(client, BenchManifests.NAMESPACE, LABEL, name);
  }

  void scale(int replicas) {
    client
        .apps()
        .deployments()
        .inNamespace(BenchManifests.NAMESPACE)
        .withName(name)
        .scale(replicas);
  }

  List<Pod> pods() {
    return client
        .pods()
        .inNamespace(BenchManifests.NAMESPACE)
        .withLabel(LABEL, name)
        .list()
        .getItems();
  }

  List<String> podNames() {
    return pods().stream().map(p -> p.getMetadata().getName()).toList();
  }

  /** Deletes it and waits until its pods and, with {@code kubeletRoot}, their volumes are gone. */
  void delete(Path kubeletRoot, Duration max) {
    client.apps().deployments().inNamespace(BenchManifests.NAMESPACE).withName(name).delete();
    BenchCleanup.awaitPodsGone(client, kubeletRoot, LABEL, name, max);
  }
}
