package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.InstalledSystem;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Issue 18's system benchmark on the real cluster with our chart installed: pod start overhead per
 * variant against the plain-pod baseline, bursts of one Deployment, rotation of the burst's
 * volumes, a store outage during rotation and a burst, memory of every component idle and after
 * each burst, with the upstream design's cost as a model. Runs in its own namespace and removes it
 * at the end, so it can run inside the e2e suite.
 */
public final class SystemBench {

  private final InstalledSystem system;
  private final BenchPlan plan;
  private final Consumer<String> log;
  private final KubernetesClient client;

  public SystemBench(InstalledSystem system, BenchPlan plan, Consumer<String> log) {
    this.system = system;
    this.plan = plan;
    this.log = log;
    this.client = system.cluster().client();
  }

  /** Runs every phase; the benchmark's namespace is gone afterwards, whatever happened. */
  public BenchResult run() throws InterruptedException {
    Instant started = Instant.now();
    List<String> notes = new ArrayList<>();
    StoreTraffic store = new StoreTraffic(system.store().auditLog());
    ApiServerMetrics metrics = new ApiServerMetrics(system.cluster());
    NodeMemory memory = new NodeMemory(system.cluster());
    try {
      setUp();
      List<NodeMemory.Container> idle =
          memory.snapshot().inNamespace(InstalledSystem.MODULE_NAMESPACE);

      log.accept("pod start: " + plan.podsPerVariant() + " pods of " + plan.variants());
      ApiServerMetrics.Snapshot beforeStart = metrics.snapshot();
      PodStartPhase.Result podStart = new PodStartPhase(client, plan, log).run(store);
      ApiServerMetrics.WebhookLatency webhookStart = metrics.snapshot().webhookSince(beforeStart);

      log.accept("webhook: " + plan.webhookRequests() + " dry-run admissions per load level");
      WebhookPhase.Result webhookLoad =
          new WebhookPhase(client, plan, metrics, system.entrypointImage(), log).run();

      List<BenchResult.BurstOutcome> bursts = new ArrayList<>();
      RotationPhase.Result rotation = null;
      OutagePhase.Result outage = null;
      BurstPhase burstPhase = new BurstPhase(client, plan, system.cluster().kubeletRoot(), log);
      for (PodVariant variant : plan.burstVariants()) {
        ApiServerMetrics.Snapshot beforeBurst = metrics.snapshot();
        try {
          BurstPhase.Result burst = burstPhase.run(variant, store);
          ApiServerMetrics.WebhookLatency webhook = metrics.snapshot().webhookSince(beforeBurst);
          NodeMemory.Snapshot after = memory.snapshot();
          bursts.add(
              new BenchResult.BurstOutcome(
                  burst,
                  UpstreamModel.mounts(
                      burst.replicas(),
                      BenchManifests.FILES * ((variant.files() ? 1 : 0) + (variant.env() ? 1 : 0))),
                  webhook,
                  after.inNamespace(InstalledSystem.MODULE_NAMESPACE),
                  podCost(after, BurstPhase.deploymentName(variant))));
          if (variant.files() && rotation == null && burst.ready() > 0) {
            rotation = new RotationPhase(plan, log).run(burst.ready(), store, metrics);
            if (!plan.outage().isZero()) {
              // While this burst's volumes stay mounted: its rotation cycles meet the outage.
              outage =
                  new OutagePhase(client, plan, system.cluster().kubeletRoot(), log)
                      .run(BurstPhase.deploymentName(variant), system.gate(), store);
            }
          }
        } finally {
          burstPhase.tearDown(variant);
        }
      }
      WatchModePhase.Result watchMode = null;
      if (plan.watchPods() > 0) {
        watchMode =
            new WatchModePhase(client, plan, system.cluster().kubeletRoot(), log)
                .run(store, memory, this::podCost);
      }
      if (rotation == null) {
        notes.add("rotation not measured: no burst of a variant with files");
      }
      if (outage == null) {
        notes.add("store outage not measured: no burst of a variant with files, or outage 0 s");
      }
      return new BenchResult(
          plan.name(),
          started,
          Duration.between(started, Instant.now()).toMillis() / 1000.0,
          Machine.describe(),
          podStart,
          webhookStart,
          webhookLoad,
          bursts,
          rotation,
          outage,
          watchMode,
          idle,
          notes);
    } finally {
      tearDown();
    }
  }

  private void setUp() {
    apply(BenchManifests.namespace());
    system
        .store()
        .createRole(
            BenchManifests.ROLE,
            BenchManifests.SERVICE_ACCOUNT,
            BenchManifests.NAMESPACE,
            InstalledSystem.STORE_AUDIENCE);
    SecureRandom random = new SecureRandom();
    for (int i = 1; i <= BenchManifests.FILES; i++) {
      // Values are random and never printed; the pods only check that they are there.
      system.store().putTestSecret(BenchManifests.fileSecret(i), Map.of("value", value(random)));
      system.store().putTestSecret(BenchManifests.envSecret(i), Map.of("value", value(random)));
    }
    apply(BenchManifests.fileImport());
  }

  private static String value(SecureRandom random) {
    byte[] bytes = new byte[16];
    random.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  private void apply(String yaml) {
    client
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .forceConflicts()
        .serverSideApply();
  }

  private BenchResult.PodCost podCost(NodeMemory.Snapshot snapshot, String deployment) {
    List<NodeMemory.Container> apps =
        snapshot.inNamespace(BenchManifests.NAMESPACE).stream()
            .filter(c -> c.pod().startsWith(deployment + "-"))
            .toList();
    List<NodeMemory.Volume> emptyDirs =
        snapshot.volumes().stream()
            .filter(v -> v.namespace().equals(BenchManifests.NAMESPACE))
            .filter(v -> v.pod().startsWith(deployment + "-"))
            .filter(v -> !v.volume().equals("secrets") && !v.volume().startsWith("kube-api-access"))
            .toList();
    int pods = (int) apps.stream().map(NodeMemory.Container::pod).distinct().count();
    return new BenchResult.PodCost(
        pods,
        (long) apps.stream().mapToLong(NodeMemory.Container::rssBytes).average().orElse(0),
        (long) apps.stream().mapToLong(NodeMemory.Container::workingSetBytes).average().orElse(0),
        pods == 0 ? 0 : emptyDirs.stream().mapToLong(NodeMemory.Volume::usedBytes).sum() / pods);
  }

  private void tearDown() {
    try {
      client.namespaces().withName(BenchManifests.NAMESPACE).delete();
      client
          .namespaces()
          .withName(BenchManifests.NAMESPACE)
          .waitUntilCondition(ns -> ns == null, 5, TimeUnit.MINUTES);
    } catch (RuntimeException e) {
      log.accept("could not remove namespace " + BenchManifests.NAMESPACE + ": " + e.getMessage());
    }
  }
}
