package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.E2eSystem;
import io.secretsstore.e2e.InstalledSystem;
import io.secretsstore.e2e.chart.Rollout;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 16: pod start with the injector delivered by copy (init container into an emptyDir) vs by
 * the node's csi-driver (read-only inline volume), on the real cluster. The webhook's delivery is
 * switched with {@code helm upgrade} between blocks (csi, copy, csi, copy, ...) so drift of the
 * machine hits both alike; each block is {@link PodStartPhase} with plain pods (the baseline) and
 * pods with 5 env references, round-robin. Times on the harness's clock from the create request
 * (admission included) to all containers running and to the app's first output line (after the
 * injector logged in, read 5 secrets and exec'd). Not an {@code *IT}: runs only when named ({@code
 * -Dit.test=DeliveryBenchmark}); counts with {@code -Dbench.blocks} and {@code
 * -Dbench.podsPerVariant}. It asserts nothing about timings; it prints them.
 */
@ExtendWith(E2eSystem.class)
class DeliveryBenchmark {

  @Test
  void copyVersusCsiDelivery(InstalledSystem system) {
    KubernetesClient client = system.cluster().client();
    int blocks = Integer.getInteger("bench.blocks", 4);
    int pods = Integer.getInteger("bench.podsPerVariant", 10);
    BenchPlan plan =
        new BenchPlan(
            "delivery",
            pods,
            List.of(PodVariant.PLAIN, PodVariant.ENV),
            1,
            List.of(PodVariant.ENV),
            1,
            Duration.ofSeconds(15),
            Duration.ofMinutes(3),
            Duration.ofMinutes(4),
            Duration.ofSeconds(20),
            1,
            0);
    Map<String, List<PodStartPhase.Sample>> byDelivery = new LinkedHashMap<>();
    setUp(system, client);
    try {
      StoreTraffic store = new StoreTraffic(system.store().auditLog());
      for (int block = 0; block < blocks; block++) {
        String delivery = block % 2 == 0 ? "csi" : "copy";
        switchTo(system, client, delivery);
        PodStartPhase.Result result =
            new PodStartPhase(client, plan, line -> System.err.println("bench: " + line))
                .run(store);
        for (PodStartPhase.VariantResult v : result.variants().values()) {
          String key = v.variant() == PodVariant.PLAIN ? "plain" : delivery;
          byDelivery.computeIfAbsent(key, k -> new ArrayList<>()).addAll(v.samples());
          if (v.failures() > 0) {
            System.err.println("bench: " + v.failures() + " " + key + " pods did not start");
          }
        }
      }
    } finally {
      switchTo(system, client, "csi");
      client.namespaces().withName(BenchManifests.NAMESPACE).delete();
      client
          .namespaces()
          .withName(BenchManifests.NAMESPACE)
          .waitUntilCondition(ns -> ns == null, 5, TimeUnit.MINUTES);
    }
    StringBuilder out = new StringBuilder();
    out.append("\n| pods | n | created p50 | running p50 / p95 | app output p50 / p95 |\n")
        .append("| --- | --- | --- | --- | --- |\n");
    byDelivery.forEach(
        (key, samples) -> {
          Percentiles created =
              Percentiles.of(samples.stream().map(PodStartPhase.Sample::createdMs).toList());
          Percentiles running =
              Percentiles.of(samples.stream().map(PodStartPhase.Sample::runningMs).toList());
          Percentiles app =
              Percentiles.of(
                  samples.stream()
                      .map(PodStartPhase.Sample::appMs)
                      .filter(ms -> !Double.isNaN(ms))
                      .toList());
          out.append(
              "| %s | %d | %.0f ms | %.0f / %.0f ms | %.0f / %.0f ms |\n"
                  .formatted(
                      key.equals("plain") ? "plain (baseline)" : "5 env refs, " + key + " delivery",
                      samples.size(),
                      created.p50(),
                      running.p50(),
                      running.p95(),
                      app.p50(),
                      app.p95()));
        });
    System.out.println(out);
  }

  private static void setUp(InstalledSystem system, KubernetesClient client) {
    apply(client, BenchManifests.namespace());
    system
        .store()
        .createRole(
            BenchManifests.ROLE,
            BenchManifests.SERVICE_ACCOUNT,
            BenchManifests.NAMESPACE,
            InstalledSystem.STORE_AUDIENCE);
    SecureRandom random = new SecureRandom();
    for (int i = 1; i <= BenchManifests.FILES; i++) {
      byte[] bytes = new byte[16];
      random.nextBytes(bytes);
      system
          .store()
          .putTestSecret(
              BenchManifests.envSecret(i), Map.of("value", HexFormat.of().formatHex(bytes)));
    }
  }

  /** helm upgrade with the delivery, a restart of the webhook, then a dry run that shows it. */
  private static void switchTo(InstalledSystem system, KubernetesClient client, String delivery) {
    if (!delivery.equals(currentDelivery(client))) {
      system.upgradeChart("webhook:\n  injector:\n    delivery: " + delivery + "\n").orThrow();
      system
          .cluster()
          .kubectl(
              "rollout",
              "restart",
              "deployment",
              "-n",
              InstalledSystem.MODULE_NAMESPACE,
              "-l",
              "app.kubernetes.io/component=webhook");
      Rollout.await(client, InstalledSystem.MODULE_NAMESPACE, Duration.ofMinutes(5));
    }
    // Conditions, not time: every admission after this point answers with the new delivery.
    for (int attempt = 0; !delivery.equals(currentDelivery(client)); attempt++) {
      if (attempt > 120) {
        throw new AssertionError("the webhook does not mutate with delivery " + delivery);
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    System.err.println("bench: delivery " + delivery);
  }

  /** What the webhook does to an env pod now, from a server-side dry run (nothing is created). */
  private static String currentDelivery(KubernetesClient client) {
    Pod pod =
        client
            .pods()
            .load(
                new ByteArrayInputStream(
                    BenchManifests.pod("delivery-probe", PodVariant.ENV, "probe")
                        .getBytes(StandardCharsets.UTF_8)))
            .item();
    try {
      Pod mutated =
          client.pods().inNamespace(BenchManifests.NAMESPACE).resource(pod).dryRun().create();
      boolean copies =
          mutated.getSpec().getInitContainers() != null
              && !mutated.getSpec().getInitContainers().isEmpty();
      boolean csi =
          mutated.getSpec().getVolumes().stream()
              .anyMatch(
                  v ->
                      v.getCsi() != null
                          && v.getCsi().getVolumeAttributes() != null
                          && v.getCsi().getVolumeAttributes().containsKey("injectorBundle"));
      return copies ? "copy" : csi ? "csi" : "other";
    } catch (RuntimeException e) {
      return "unavailable: " + e.getMessage();
    }
  }

  private static void apply(KubernetesClient client, String yaml) {
    client
        .load(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)))
        .forceConflicts()
        .serverSideApply();
  }
}
