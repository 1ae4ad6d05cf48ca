package io.secretsstore.driver;

import static io.secretsstore.driver.csi.VolumeCallMeters.gauge;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.secretsstore.driver.Kubelet.Pod;
import io.secretsstore.driver.ScriptedProvider.Answer;
import io.secretsstore.driver.csi.VolumeCallMeters;
import io.secretsstore.driver.csi.VolumeCallPool;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.NodeGetCapabilitiesRequest;
import io.secretsstore.model.csi.v1.NodeGetInfoRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Publishes held by a provider that takes Mount and never answers (a real unix socket) fill every
 * thread and queue place of the driver's volume-call pool: Identity, the Node info calls and the
 * liveness check still answer, one more publish is refused at once with RESOURCE_EXHAUSTED, and the
 * driver holds exactly the pool's threads, however many calls kubelet sends.
 */
class DriverBusyIT {

  static final int THREADS = 3;
  static final int QUEUE = 2;

  @Test
  void heldPublishesNeverBlockIdentityOrGrowThreads() throws Exception {
    try (DriverHarness h =
            new DriverHarness(
                "secrets-store.driver.volume-calls.threads=" + THREADS,
                "secrets-store.driver.volume-calls.queue=" + QUEUE,
                // Held calls stay held until the test releases them.
                "secrets-store.driver.provider-timeout=10m");
        ScriptedProvider provider = new ScriptedProvider(h.providersDir.resolve("held.sock"));
        ExecutorService kubelets = Executors.newVirtualThreadPerTaskExecutor()) {
      h.createClass("held", "held", Map.of());
      provider.answer(Answer.of("key", "value"));
      provider.hold();
      int threadsBefore = Thread.activeCount();
      List<Pod> pods = new ArrayList<>();
      List<Future<?>> publishes = new ArrayList<>();
      try {
        for (int i = 0; i < THREADS + QUEUE; i++) {
          Pod pod = Pod.of(DriverHarness.NAMESPACE, "held-" + i, DriverHarness.ACCOUNT);
          pods.add(pod);
          String token = h.token(DriverHarness.NAMESPACE, DriverHarness.ACCOUNT);
          publishes.add(
              kubelets.submit(
                  () -> h.kubelet().publish(pod, token, Map.of("secretProviderClass", "held"))));
          if (i == THREADS - 1) {
            // Every thread waits on the provider before any call queues: which calls queue is
            // then known.
            int held = THREADS;
            awaitTrue("the provider holds " + held + " Mounts", () -> provider.held() == held);
          }
        }
        MeterRegistry meters = h.bean(MeterRegistry.class);
        awaitTrue("2 calls queue", () -> gauge(meters, "queued") == QUEUE);
        assertThat(gauge(meters, "busy")).isEqualTo(THREADS);
        assertThat(gauge(meters, "threads")).isEqualTo(THREADS);

        // Nothing that kubelet or the liveness check asks waits behind the publishes.
        assertThat(h.kubelet().probe()).isTrue();
        assertThat(
                h.kubelet()
                    .identity
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .getPluginInfo(GetPluginInfoRequest.getDefaultInstance())
                    .getName())
            .isNotEmpty();
        assertThat(
                h.kubelet()
                    .node
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance())
                    .getCapabilitiesList())
            .isEmpty();
        assertThat(
                h.kubelet()
                    .node
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance())
                    .getNodeId())
            .isEqualTo("node-1");
        assertThat(h.health("liveness"))
            .contains("\"csiSocket\":{\"details\"")
            .endsWith("},\"status\":\"UP\"}");

        // Beyond threads + queue: refused at once, every time, with a line kubelet shows.
        int refusals = 10;
        for (int i = 0; i < refusals; i++) {
          Pod extra = Pod.of(DriverHarness.NAMESPACE, "extra-" + i, DriverHarness.ACCOUNT);
          StatusRuntimeException refused =
              catchThrowableOfType(
                  StatusRuntimeException.class,
                  () ->
                      h.kubelet()
                          .publish(
                              extra,
                              h.token(DriverHarness.NAMESPACE, DriverHarness.ACCOUNT),
                              Map.of("secretProviderClass", "held")));
          assertThat(refused).isNotNull();
          assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
          assertThat(refused.getStatus().getDescription())
              .isEqualTo(
                  "the driver is busy: all 3 publish/unpublish threads and 2 queue places are"
                      + " taken (secrets-store.driver.volume-calls); kubelet retries");
        }
        assertThat(VolumeCallMeters.refused(meters, "publish")).isEqualTo(refusals);

        // Exactly the pool's threads work on publishes, whatever kubelet sent.
        List<String> publishing = threadsIn(VolumeService.class.getName(), "publish");
        assertThat(publishing).hasSize(THREADS).allMatch(n -> n.startsWith("csi-volume-call-"));
        assertThat(threadsNamed(VolumeCallPool.THREAD_PREFIX)).isEqualTo(THREADS);
        System.out.printf(
            "DriverBusyIT: %d publishes held, %d queued, %d refused: %d pool threads, JVM threads"
                + " %d before, %d while held%n",
            THREADS, QUEUE, refusals, publishing.size(), threadsBefore, Thread.activeCount());
      } finally {
        provider.release();
      }
      // Released, the held and the queued publishes all complete.
      for (Future<?> publish : publishes) {
        publish.get(180, TimeUnit.SECONDS);
      }
      for (Pod pod : pods) {
        assertThat(Files.readString(h.kubelet().target(pod).resolve("key"))).isEqualTo("value");
        h.kubelet().unpublish(pod);
      }
    }
  }

  /** Names of live threads with a frame of {@code type.method} on their stack. */
  private static List<String> threadsIn(String type, String method) {
    return Thread.getAllStackTraces().entrySet().stream()
        .filter(
            e ->
                Arrays.stream(e.getValue())
                    .anyMatch(
                        f -> f.getClassName().equals(type) && f.getMethodName().equals(method)))
        .map(e -> e.getKey().getName())
        .toList();
  }

  private static long threadsNamed(String prefix) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith(prefix))
        .count();
  }

  /** Polls a condition about structure; the bound is for a hung driver, not a timing check. */
  private static void awaitTrue(String what, BooleanSupplier condition)
      throws InterruptedException {
    Instant giveUp = Instant.now().plus(Duration.ofSeconds(120));
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(giveUp)) {
        throw new AssertionError("never true: " + what);
      }
      Thread.sleep(50);
    }
  }
}
