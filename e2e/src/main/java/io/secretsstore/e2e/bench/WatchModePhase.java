package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.cluster.Waiting;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What an injected pod pays when the injector stays: with {@code restart-on-secret-change:
 * watch-for-data} the injector runs the application as its child and polls the store, so its JVM
 * lives as long as the pod. A few such pods are started, left for {@link #POLLS} poll intervals
 * (the shortest the webhook accepts), then the kubelet's stats give the app container's memory
 * (injector + application) and the audit log what the polls cost the store.
 */
final class WatchModePhase {

  static final String DEPLOYMENT = "watch-env";

  /** The shortest poll interval the webhook accepts (its annotation's lower bound). */
  static final Duration POLL_INTERVAL = Duration.ofSeconds(10);

  /** Poll intervals the pods are left for before their memory is read. */
  static final int POLLS = 3;

  record Result(
      int pods,
      int started,
      double watchedSeconds,
      BenchResult.PodCost cost,
      StoreTraffic.Counts storeWhileWatched) {}

  private final KubernetesClient client;
  private final BenchPlan plan;
  private final Path kubeletRoot;
  private final Consumer<String> log;

  WatchModePhase(KubernetesClient client, BenchPlan plan, Path kubeletRoot, Consumer<String> log) {
    this.client = client;
    this.plan = plan;
    this.kubeletRoot = kubeletRoot;
    this.log = log;
  }

  /** {@code memory}: the node's stats; {@code cost}: how a snapshot becomes one pod's cost. */
  Result run(
      StoreTraffic store,
      NodeMemory memory,
      java.util.function.BiFunction<NodeMemory.Snapshot, String, BenchResult.PodCost> cost) {
    int pods = plan.watchPods();
    BenchDeployment deployment =
        BenchDeployment.apply(
            client,
            DEPLOYMENT,
            PodVariant.ENV,
            Map.of(
                "restart-on-secret-change",
                "watch-for-data",
                "secret-poll-interval",
                POLL_INTERVAL.toSeconds() + "s"));
    try {
      log.accept("watch mode: " + pods + " pods with restart-on-secret-change: watch-for-data");
      deployment.scale(pods);
      Instant until = Instant.now().plus(plan.podTimeout());
      while (deployment.podNames().size() < pods && Instant.now().isBefore(until)) {
        Waiting.sleep(Duration.ofSeconds(1));
      }
      List<String> names = deployment.podNames();
      Map<String, Instant> markers =
          ContainerLogs.firstLineTimes(
              client, names, BenchManifests.STARTED, Instant.now().plus(plan.podTimeout()));
      long mark = store.mark();
      Instant from = Instant.now();
      Waiting.sleep(POLL_INTERVAL.multipliedBy(POLLS));
      NodeMemory.Snapshot after = memory.snapshot();
      double watched = Duration.between(from, Instant.now()).toMillis() / 1000.0;
      StoreTraffic.Counts traffic = StoreTraffic.Counts.of(store.since(mark));
      log.accept(
          "watch mode: "
              + markers.size()
              + "/"
              + pods
              + " started; "
              + traffic.reads()
              + " reads in "
              + watched
              + " s");
      return new Result(pods, markers.size(), watched, cost.apply(after, DEPLOYMENT), traffic);
    } finally {
      deployment.delete(kubeletRoot, Duration.ofMinutes(5));
    }
  }
}
