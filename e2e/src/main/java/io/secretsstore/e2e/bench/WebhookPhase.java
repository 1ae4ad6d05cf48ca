package io.secretsstore.e2e.bench;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Webhook admission under load: server-side dry-run creates of injected pods (the API server runs
 * admission, our webhook included, and stores nothing, so no pod starts), at concurrency 1 and 16,
 * for a pod whose command is in its spec and one whose command the webhook must look up in the
 * registry (the image's entrypoint; the webhook's cache is warm after the first lookup). Latency as
 * the API server saw it (its webhook histogram, coarse buckets) and the harness's round trip.
 */
final class WebhookPhase {

  /** One load level: what was sent and how long admission took. */
  record Load(
      String pod,
      int concurrency,
      int requests,
      int denied,
      ApiServerMetrics.WebhookLatency apiServer,
      Percentiles roundTripMs) {}

  record Result(List<Load> loads) {}

  static final List<Integer> CONCURRENCY = List.of(1, 16);

  private final KubernetesClient client;
  private final BenchPlan plan;
  private final ApiServerMetrics metrics;
  private final String lookupImage;
  private final Consumer<String> log;

  WebhookPhase(
      KubernetesClient client,
      BenchPlan plan,
      ApiServerMetrics metrics,
      String lookupImage,
      Consumer<String> log) {
    this.client = client;
    this.plan = plan;
    this.metrics = metrics;
    this.lookupImage = lookupImage;
    this.log = log;
  }

  Result run() throws InterruptedException {
    // Warm-up, not counted: the webhook's first admissions pay class loading and JIT, and the
    // first lookup fills its registry cache.
    for (boolean lookup : List.of(false, true)) {
      if (!lookup || lookupImage != null) {
        send(lookup, CONCURRENCY.getLast(), Math.min(plan.webhookRequests(), 32));
      }
    }
    List<Load> loads = new ArrayList<>();
    for (boolean lookup : List.of(false, true)) {
      if (lookup && lookupImage == null) {
        continue;
      }
      for (int concurrency : CONCURRENCY) {
        loads.add(load(lookup, concurrency));
      }
    }
    return new Result(loads);
  }

  private Load load(boolean lookup, int concurrency) throws InterruptedException {
    String label = lookup ? "command looked up in the registry" : "command in the pod spec";
    int requests = plan.webhookRequests();
    ApiServerMetrics.Snapshot before = metrics.snapshot();
    Sent sent = send(lookup, concurrency, requests);
    ApiServerMetrics.WebhookLatency seen = metrics.snapshot().webhookSince(before);
    log.accept(
        "webhook: "
            + label
            + ", concurrency "
            + concurrency
            + ": "
            + requests
            + " admissions, "
            + sent.denied()
            + " denied");
    return new Load(
        label, concurrency, requests, sent.denied(), seen, Percentiles.of(sent.millis()));
  }

  private record Sent(List<Double> millis, int denied) {}

  private Sent send(boolean lookup, int concurrency, int requests) throws InterruptedException {
    List<Double> millis = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger denied = new AtomicInteger();
    AtomicInteger next = new AtomicInteger();
    try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
      List<Future<?>> workers = new ArrayList<>();
      for (int w = 0; w < concurrency; w++) {
        workers.add(
            pool.submit(
                () -> {
                  for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                    Pod pod = pod("wh-" + (lookup ? "lookup" : "spec") + "-" + i, lookup);
                    Instant sent = Instant.now();
                    try {
                      client
                          .pods()
                          .inNamespace(BenchManifests.NAMESPACE)
                          .resource(pod)
                          .dryRun()
                          .create();
                      millis.add(PodStartPhase.millis(sent, Instant.now()));
                    } catch (KubernetesClientException e) {
                      denied.incrementAndGet();
                    }
                  }
                }));
      }
      for (Future<?> worker : workers) {
        try {
          worker.get();
        } catch (java.util.concurrent.ExecutionException e) {
          throw new IllegalStateException("webhook load failed", e.getCause());
        }
      }
    }
    return new Sent(List.copyOf(millis), denied.get());
  }

  private Pod pod(String name, boolean lookup) {
    ContainerBuilder app =
        new ContainerBuilder()
            .withName("app")
            .withImage(lookup ? lookupImage : BenchManifests.IMAGE)
            .addNewEnv()
            .withName("F1")
            .withValue("secrets-store:secret/data/e2e/" + BenchManifests.envSecret(1) + "#value")
            .endEnv();
    if (!lookup) {
      app.withCommand("sh", "-c", "true");
    }
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(BenchManifests.NAMESPACE)
        .addToAnnotations("secrets-store.deckhouse.io/role", BenchManifests.ROLE)
        .endMetadata()
        .withNewSpec()
        .withServiceAccountName(BenchManifests.SERVICE_ACCOUNT)
        .withContainers(app.build())
        .endSpec()
        .build();
  }
}
