package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.cluster.Waiting;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Burst: one Deployment of {@code replicas} pods of a variant, scaled from 0 at once. Times each
 * pod's Ready on the harness's clock (one watch), counts what the store received while the burst
 * started (logins and reads of the benchmark's identity, from the store's audit log, once every
 * pod's application printed that its secrets are there), and counts failures: pods not Ready in
 * time, container restarts, Warning events by reason.
 */
final class BurstPhase {

  record Result(
      PodVariant variant,
      int replicas,
      int ready,
      double allReadyMs,
      Percentiles podReady,
      int appStarted,
      Percentiles appStartedAt,
      int restarts,
      Map<String, Integer> warnings,
      StoreTraffic.Counts store) {}

  private final KubernetesClient client;
  private final BenchPlan plan;
  private final Path kubeletRoot;
  private final Consumer<String> log;

  BurstPhase(KubernetesClient client, BenchPlan plan, Path kubeletRoot, Consumer<String> log) {
    this.client = client;
    this.plan = plan;
    this.kubeletRoot = kubeletRoot;
    this.log = log;
  }

  static String deploymentName(PodVariant variant) {
    return "burst-" + variant.label();
  }

  /** Scales up and waits; the pods stay until {@link #tearDown}. */
  Result run(PodVariant variant, StoreTraffic store) {
    String name = deploymentName(variant);
    BenchDeployment deployment = BenchDeployment.apply(client, name, variant);
    int replicas = plan.burstReplicas();
    try (PodTimeline timeline = deployment.timeline()) {
      long mark = store.mark();
      Instant start = Instant.now();
      deployment.scale(replicas);
      Instant deadline = start.plus(plan.burstTimeout());
      int lastLogged = -1;
      while (timeline.readyCount() < replicas && Instant.now().isBefore(deadline)) {
        int ready = timeline.readyCount();
        if (ready / 25 != lastLogged) {
          lastLogged = ready / 25;
          log.accept("burst " + name + ": " + ready + "/" + replicas + " Ready");
        }
        Waiting.sleep(Duration.ofMillis(200));
      }
      Instant end = Instant.now();
      List<Double> readyMs = new ArrayList<>();
      for (var pod : deployment.podNames()) {
        Instant at = timeline.readyAt(pod);
        if (at != null) {
          readyMs.add(PodStartPhase.millis(start, at));
        }
      }
      int ready = timeline.readyCount();
      double allReady =
          ready >= replicas
              ? readyMs.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN)
              : Double.NaN;
      // Ready is "containers running": with env injection the injector is running but may not yet
      // have logged in and read. The application's marker is printed only once its files and
      // resolved env are there, so counting after every marker counts every request of the burst
      // (a fixed pause lost the env burst's requests on a loaded machine).
      List<Double> appMs = new ArrayList<>();
      for (var pod : deployment.podNames()) {
        Instant at = ContainerLogs.firstLineTime(client, pod, BenchManifests.STARTED);
        if (at != null) {
          appMs.add(PodStartPhase.millis(start, at));
        }
      }
      // Reads of what this variant needs (files or env paths); logins of the benchmark's identity.
      StoreTraffic.Counts counts =
          StoreTraffic.Counts.of(
              store.since(mark).stream()
                  .filter(e -> !e.isBenchRead() || readByVariant(variant, e.path()))
                  .toList());
      log.accept(
          "burst "
              + name
              + ": "
              + ready
              + "/"
              + replicas
              + " Ready after "
              + Duration.between(start, end).toMillis()
              + " ms");
      return new Result(
          variant,
          replicas,
          ready,
          allReady,
          Percentiles.of(readyMs),
          appMs.size(),
          Percentiles.of(appMs),
          timeline.restartsTotal(),
          warnings(name),
          counts);
    }
  }

  void tearDown(PodVariant variant) {
    BenchDeployment.named(client, deploymentName(variant))
        .delete(kubeletRoot, Duration.ofMinutes(10));
  }

  static boolean readByVariant(PodVariant variant, String path) {
    return (variant.files() && path.contains("/bench-file-"))
        || (variant.env() && path.contains("/bench-env-"));
  }

  private Map<String, Integer> warnings(String name) {
    Map<String, Integer> byReason = new TreeMap<>();
    for (Event event :
        client.v1().events().inNamespace(BenchManifests.NAMESPACE).list().getItems()) {
      if ("Warning".equals(event.getType())
          && event.getInvolvedObject() != null
          && event.getInvolvedObject().getName() != null
          && event.getInvolvedObject().getName().startsWith(name)) {
        int count = event.getCount() == null ? 1 : event.getCount();
        byReason.merge(event.getReason(), count, Integer::sum);
      }
    }
    return byReason;
  }
}
