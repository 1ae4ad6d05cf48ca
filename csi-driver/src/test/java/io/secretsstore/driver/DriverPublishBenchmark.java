package io.secretsstore.driver;

import static io.secretsstore.driver.DriverHarness.ACCOUNT;
import static io.secretsstore.driver.DriverHarness.NAMESPACE;
import static io.secretsstore.driver.DriverHarness.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.driver.Kubelet.Pod;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.MountRequest;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/**
 * Publish latency of a 3-file import (two store paths), against a baseline measured in the same
 * run: the provider's Mount for the same import called directly on its socket, which is the floor
 * the driver adds its work to (reading the import from the API server, mounting the tmpfs, writing
 * files, state and status). The provider's read coalescing is off, so every publish reads the
 * store. Prints numbers and ratios; asserts only that the publishes worked. Not part of the test
 * suite: run it with {@code ./dev.sh bench driver}.
 */
class DriverPublishBenchmark {

  static final int WARMUP = 50;
  static final int MEASURED = 300;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @Test
  void publishLatencyAgainstTheProviderMountFloor() throws Exception {
    try (DriverHarness h =
        new DriverHarness(
            List.of("--secrets-store.provider.coalesce-window=0s"),
            "secrets-store.driver.pod-status=true")) {
      h.admin.putKv2("secret", h.prefix + "/db", Map.of("user", "u", "password", "p"));
      h.admin.putKv2("secret", h.prefix + "/tls", Map.of("key", "k".repeat(2048)));
      h.createImport(
          NAMESPACE,
          "bench",
          file("db-user", h.path("db"), "user"),
          file("db-password", h.path("db"), "password"),
          file("tls.key", h.path("tls"), "key"));

      // Tokens are minted outside the timed sections.
      List<Pod> pods = new ArrayList<>();
      List<String> tokens = new ArrayList<>();
      for (int i = 0; i < WARMUP + MEASURED; i++) {
        pods.add(Pod.of(NAMESPACE, "bench-" + i, ACCOUNT));
        tokens.add(h.token(NAMESPACE, ACCOUNT));
      }

      double[] floor = providerMounts(h, pods, tokens);
      double[] publish = new double[pods.size()];
      double[] unpublish = new double[pods.size()];
      for (int i = 0; i < pods.size(); i++) {
        Pod pod = pods.get(i);
        Files.createDirectories(h.kubelet().target(pod).getParent());
        long started = System.nanoTime();
        h.kubelet().publish(pod, tokens.get(i), Map.of("secretsStoreImport", "bench"));
        publish[i] = millisSince(started);
        assertThat(Files.readString(h.kubelet().target(pod).resolve("db-user"))).isEqualTo("u");
        started = System.nanoTime();
        h.kubelet().unpublish(pod);
        unpublish[i] = millisSince(started);
      }

      double[] floorMeasured = measured(floor);
      double[] publishMeasured = measured(publish);
      double[] unpublishMeasured = measured(unpublish);
      System.out.printf(
          "%nDriver publish benchmark: %d publishes after %d warm-up, 3 files from 2 store paths%n",
          MEASURED, WARMUP);
      print("provider Mount, direct (floor)", floorMeasured);
      print("driver NodePublishVolume", publishMeasured);
      print("driver NodeUnpublishVolume", unpublishMeasured);
      System.out.printf(
          "publish / floor: p50 %.2fx, p99 %.2fx (driver overhead p50 %.2f ms)%n%n",
          percentile(publishMeasured, 50) / percentile(floorMeasured, 50),
          percentile(publishMeasured, 99) / percentile(floorMeasured, 99),
          percentile(publishMeasured, 50) - percentile(floorMeasured, 50));
    }
  }

  /** The provider's Mount with the attributes the driver sends for the same import. */
  private static double[] providerMounts(DriverHarness h, List<Pod> pods, List<String> tokens)
      throws Exception {
    MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(
                new DomainSocketAddress(h.providersDir.resolve("vault.sock").toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      var provider = CSIDriverProviderGrpc.newBlockingStub(channel);
      String files =
          JSON.writeValueAsString(
              List.of(
                  Map.of("name", "db-user", "source", Map.of("path", h.path("db"), "key", "user")),
                  Map.of(
                      "name",
                      "db-password",
                      "source",
                      Map.of("path", h.path("db"), "key", "password")),
                  Map.of(
                      "name", "tls.key", "source", Map.of("path", h.path("tls"), "key", "key"))));
      double[] took = new double[pods.size()];
      for (int i = 0; i < pods.size(); i++) {
        Pod pod = pods.get(i);
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(CsiNames.ATTRIBUTE_SECRETS_STORE_IMPORT, "bench");
        attributes.put("role", DriverHarness.ROLE);
        attributes.put("files", files);
        Kubelet.volumeContext(pod, tokens.get(i), Map.of())
            .forEach(
                (key, value) -> {
                  if (key.startsWith("csi.storage.k8s.io/")) {
                    attributes.put(key, value);
                  }
                });
        MountRequest request =
            MountRequest.newBuilder()
                .setAttributes(JSON.writeValueAsString(attributes))
                .setSecrets("{}")
                .setTargetPath("/unused")
                .setPermission("420")
                .build();
        long started = System.nanoTime();
        int count = provider.withDeadlineAfter(30, TimeUnit.SECONDS).mount(request).getFilesCount();
        took[i] = millisSince(started);
        assertThat(count).isEqualTo(3);
      }
      return took;
    } finally {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static double millisSince(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000.0;
  }

  private static double[] measured(double[] all) {
    double[] measured = Arrays.copyOfRange(all, WARMUP, all.length);
    Arrays.sort(measured);
    return measured;
  }

  private static double percentile(double[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  private static void print(String what, double[] sorted) {
    System.out.printf(
        "  %-34s p50 %6.2f ms  p90 %6.2f ms  p99 %6.2f ms%n",
        what, percentile(sorted, 50), percentile(sorted, 90), percentile(sorted, 99));
  }
}
