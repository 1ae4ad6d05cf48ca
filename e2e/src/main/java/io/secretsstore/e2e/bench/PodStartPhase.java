package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Pod start overhead: pods of every variant created one at a time, round-robin (so drift of the
 * machine hits every variant alike), each timed on the harness's clock from the create request
 * (which includes admission: the API server calls our webhook for every pod) to three points: the
 * create answered, all containers running (watch event), and the application's first output line
 * (the container runtime's nanosecond log timestamp; with env injection, this is after the injector
 * logged in, read the store and exec'd the command).
 */
final class PodStartPhase {

  /** One pod's start, in milliseconds after its create request was sent. */
  record Sample(PodVariant variant, double createdMs, double runningMs, double appMs) {}

  /** All samples of a variant and the ones that never ran within the timeout. */
  record VariantResult(
      PodVariant variant,
      List<Sample> samples,
      int failures,
      Percentiles created,
      Percentiles running,
      Percentiles app) {}

  record Result(
      Map<PodVariant, VariantResult> variants,
      StoreTraffic.Counts store,
      long fileReads,
      long envReads,
      double tookSeconds) {}

  private static final String PHASE = "podstart";

  private final KubernetesClient client;
  private final BenchPlan plan;
  private final Consumer<String> log;

  PodStartPhase(KubernetesClient client, BenchPlan plan, Consumer<String> log) {
    this.client = client;
    this.plan = plan;
    this.log = log;
  }

  Result run(StoreTraffic store) {
    long mark = store.mark();
    Instant phaseStart = Instant.now();
    Map<PodVariant, List<Sample>> samples = new EnumMap<>(PodVariant.class);
    Map<PodVariant, Integer> failures = new EnumMap<>(PodVariant.class);
    plan.variants().forEach(v -> samples.put(v, new ArrayList<>()));
    plan.variants().forEach(v -> failures.put(v, 0));
    try (PodTimeline timeline =
        new PodTimeline(client, BenchManifests.NAMESPACE, "bench-phase", PHASE)) {
      for (int round = 0; round < plan.podsPerVariant(); round++) {
        for (PodVariant variant : plan.variants()) {
          String name = "start-" + variant.label() + "-" + round;
          Sample sample = startOne(timeline, name, variant);
          if (sample == null) {
            failures.merge(variant, 1, Integer::sum);
            log.accept("pod " + name + " did not start within " + plan.podTimeout());
          } else {
            samples.get(variant).add(sample);
          }
          deleteNow(name);
        }
        if ((round + 1) % 10 == 0 || round + 1 == plan.podsPerVariant()) {
          log.accept("pod start: round " + (round + 1) + "/" + plan.podsPerVariant());
        }
      }
    }
    awaitNoPods();
    Map<PodVariant, VariantResult> results = new EnumMap<>(PodVariant.class);
    for (PodVariant variant : plan.variants()) {
      List<Sample> list = samples.get(variant);
      results.put(
          variant,
          new VariantResult(
              variant,
              list,
              failures.get(variant),
              Percentiles.of(list.stream().map(Sample::createdMs).toList()),
              Percentiles.of(list.stream().map(Sample::runningMs).toList()),
              Percentiles.of(
                  list.stream().map(Sample::appMs).filter(ms -> !Double.isNaN(ms)).toList())));
    }
    List<StoreTraffic.Entry> entries = store.since(mark);
    long fileReads =
        entries.stream()
            .filter(StoreTraffic.Entry::isBenchRead)
            .filter(e -> e.path().contains("bench-file-"))
            .count();
    long envReads =
        entries.stream()
            .filter(StoreTraffic.Entry::isBenchRead)
            .filter(e -> e.path().contains("bench-env-"))
            .count();
    return new Result(
        results,
        StoreTraffic.Counts.of(entries),
        fileReads,
        envReads,
        Duration.between(phaseStart, Instant.now()).toMillis() / 1000.0);
  }

  private Sample startOne(PodTimeline timeline, String name, PodVariant variant) {
    Pod pod =
        client
            .pods()
            .load(
                new ByteArrayInputStream(
                    BenchManifests.pod(name, variant, PHASE).getBytes(StandardCharsets.UTF_8)))
            .item();
    Instant sent = Instant.now();
    client.pods().inNamespace(BenchManifests.NAMESPACE).resource(pod).create();
    Instant created = Instant.now();
    Instant running = timeline.awaitRunning(name, plan.podTimeout());
    if (running == null) {
      return null;
    }
    Instant app = ContainerLogs.firstLineTime(client, name, BenchManifests.STARTED);
    return new Sample(
        variant,
        millis(sent, created),
        millis(sent, running),
        app == null ? Double.NaN : millis(sent, app));
  }

  private void deleteNow(String name) {
    client.pods().inNamespace(BenchManifests.NAMESPACE).withName(name).withGracePeriod(0).delete();
  }

  private void awaitNoPods() {
    BenchCleanup.awaitPodsGone(client, "bench-phase", PHASE, Duration.ofMinutes(5));
  }

  static double millis(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1_000_000.0;
  }
}
