package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.cluster.Waiting;
import io.secretsstore.e2e.store.StoreGate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Store outage: while the files burst's volumes stay mounted (so rotation cycles run against a
 * store that is away) the store gate goes down, as a real outage does (connections refused), and a
 * burst of pods with files and env starts. Measured: connection attempts clients make while it is
 * down (an iptables counter, which changes nothing they see), what the store receives in the first
 * seconds after it returns (no retry storm: about one login and one read per identity and path),
 * whether the mounted volumes kept their files through the failed cycles, and how long the pods
 * that started during the outage take to have their secrets once it is back.
 */
final class OutagePhase {

  /** The first seconds after the store returns, where a retry storm would show. */
  static final Duration AFTER_RETURN = Duration.ofSeconds(10);

  record Result(
      double downSeconds,
      long attemptsWhileDown,
      StoreTraffic.Counts firstSecondsBack,
      double firstSecondsBackWindow,
      int volumesChecked,
      int volumesIntact,
      int podsStarted,
      int podsStartedAfterReturn,
      int burstReplicas,
      Percentiles startedAfterReturnMs,
      int restarts,
      Map<String, Integer> notStartedByReason) {}

  static final String DEPLOYMENT = "outage-both";

  private final KubernetesClient client;
  private final BenchPlan plan;
  private final Path kubeletRoot;
  private final Consumer<String> log;

  OutagePhase(KubernetesClient client, BenchPlan plan, Path kubeletRoot, Consumer<String> log) {
    this.client = client;
    this.plan = plan;
    this.kubeletRoot = kubeletRoot;
    this.log = log;
  }

  /**
   * Runs the outage while {@code mountedDeployment}'s pods keep their volumes; the outage burst's
   * pods are gone afterwards, and the gate is up again whatever happened.
   */
  Result run(String mountedDeployment, StoreGate gate, StoreTraffic store) {
    BenchDeployment outagePods = BenchDeployment.apply(client, DEPLOYMENT, PodVariant.BOTH);
    int replicas = plan.burstReplicas();
    try (ConnectionAttempts attempts = ConnectionAttempts.count(gate.port());
        PodTimeline timeline = outagePods.timeline()) {
      gate.close();
      Instant down = Instant.now();
      log.accept(
          "outage: store down for " + plan.outage().toSeconds() + " s, " + replicas + " pods");
      outagePods.scale(replicas);
      Waiting.sleep(plan.outage());
      long attemptsWhileDown = attempts.attempts();
      // Read while the store is still away: the failed rotation cycles must have left every file.
      List<Pod> mounted = BenchDeployment.named(client, mountedDeployment).pods();
      int intact = (int) mounted.stream().filter(this::filesIntact).count();
      long mark = store.mark();
      gate.open();
      Instant up = Instant.now();
      double downSeconds = Duration.between(down, up).toMillis() / 1000.0;
      log.accept("outage: store back after " + downSeconds + " s");
      Waiting.sleep(AFTER_RETURN);
      Instant windowEnd = up.plus(AFTER_RETURN);
      StoreTraffic.Counts firstSeconds =
          StoreTraffic.Counts.of(
              store.since(mark).stream().filter(e -> !e.time().isAfter(windowEnd)).toList());
      // kubelet retries a failed mount with a backoff of up to ~2 min, a failed container's
      // restart with up to 5 min: the pods have that long to start once the store is back.
      Instant deadline = up.plus(plan.burstTimeout());
      List<String> names = outagePods.podNames();
      Map<String, Instant> markers =
          ContainerLogs.firstLineTimes(client, names, BenchManifests.STARTED, deadline);
      int started = markers.size();
      List<Double> afterReturn = new ArrayList<>();
      for (Instant at : markers.values()) {
        if (at.isAfter(up)) {
          afterReturn.add(PodStartPhase.millis(up, at));
        }
      }
      Map<String, Integer> notStarted = new TreeMap<>();
      for (String pod : names) {
        if (!markers.containsKey(pod)) {
          notStarted.merge(whyNotStarted(pod), 1, Integer::sum);
        }
      }
      if (!notStarted.isEmpty()) {
        log.accept("outage: pods without their secrets by reason: " + notStarted);
      }
      log.accept(
          "outage: "
              + attemptsWhileDown
              + " connection attempts while down; "
              + started
              + "/"
              + replicas
              + " outage pods started; "
              + intact
              + "/"
              + mounted.size()
              + " mounted volumes intact");
      return new Result(
          downSeconds,
          attemptsWhileDown,
          firstSeconds,
          AFTER_RETURN.toMillis() / 1000.0,
          mounted.size(),
          intact,
          started,
          afterReturn.size(),
          replicas,
          Percentiles.of(afterReturn),
          timeline.restartsTotal(),
          notStarted);
    } finally {
      gate.open();
      outagePods.delete(kubeletRoot, Duration.ofMinutes(10));
    }
  }

  /**
   * Why a pod has no secrets yet, as a report key: its phase and waiting reason, and the injector's
   * last failure line (the same cause in many pods differs only in the pod).
   */
  private String whyNotStarted(String name) {
    Pod pod = client.pods().inNamespace(BenchManifests.NAMESPACE).withName(name).get();
    if (pod == null) {
      return "gone";
    }
    String state = pod.getStatus() == null ? "unknown" : pod.getStatus().getPhase();
    if (pod.getStatus() != null && pod.getStatus().getContainerStatuses() != null) {
      for (var container : pod.getStatus().getContainerStatuses()) {
        if (container.getState() != null && container.getState().getWaiting() != null) {
          state += "/" + container.getState().getWaiting().getReason();
        }
      }
    }
    String error = ContainerLogs.lastInjectorError(client, name);
    if (error.length() > 200) {
      error = error.substring(0, 200) + "...";
    }
    return error.isEmpty() ? state : state + ": " + error;
  }

  /** Every file of the pod's secrets volume there and non-empty, read on the node as root. */
  private boolean filesIntact(Pod pod) {
    Path mount =
        kubeletRoot
            .resolve("pods")
            .resolve(pod.getMetadata().getUid())
            .resolve("volumes/kubernetes.io~csi/secrets/mount");
    try {
      for (int i = 1; i <= BenchManifests.FILES; i++) {
        Path file = mount.resolve("file-" + i);
        if (!Files.isRegularFile(file) || Files.size(file) == 0) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
