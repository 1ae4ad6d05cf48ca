package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * Start-up as the images start the daemons: both jars extracted to a thin jar plus its libraries (a
 * JDK AOT cache covers only classes of a plain class path of jars, not those inside Spring Boot's
 * fat jar), an AOT cache trained the way images/aot-cache.sh trains the image's (the image's flags
 * plus {@code -XX:AOTCacheOutput}, until ready, then SIGTERM), then {@link #RUNS} pairs of runs
 * alternating without and with the cache: start to ready of each daemon and the first Mount. The
 * last cached run also times {@link #SEQUENTIAL} warm mounts one after another with sharing off
 * ({@code csiProvider.coalesceWindow=0s}: every mount reads the store), and the provider's own mean
 * store read (common-vault's {@code secrets_store_requests_seconds{operation="read"}}), then as
 * many {@code Mount} calls straight to the provider's socket with a SecretProviderClass's
 * parameters ({@link ProviderMounts}: the issue's comparison with the upstream provider).
 */
final class DaemonStartups {

  static final int RUNS = 3;
  static final int WARMUP = 20;
  static final int SEQUENTIAL = 100;

  record Run(boolean cached, double providerStartMs, double driverStartMs, double firstMountMs) {}

  record Result(
      List<Run> runs,
      double[] sequentialMs,
      double storeReadMeanMs,
      long storeReads,
      long logins,
      double providerMountMeanMs,
      double[] directMountMs,
      long directReads,
      long providerCacheMiB,
      long driverCacheMiB) {

    double median(boolean cached, java.util.function.ToDoubleFunction<Run> figure) {
      return percentile(
          runs.stream().filter(r -> r.cached == cached).mapToDouble(figure).toArray(), 50);
    }
  }

  private DaemonStartups() {}

  static Result measure(
      Path work,
      String storeAddress,
      KubernetesApiMock kubernetes,
      Path providerJar,
      Path driverJar,
      Map<String, String> spcParameters)
      throws Exception {
    int driverPort = freePort();
    int providerPort = freePort();
    // The benchmark's chart, with sharing off (each run is a fresh pair, so ports are reused).
    RenderedChart chart =
        RenderedChart.render(
            Profile.DEFAULT,
            "csiDriver.httpPort=" + driverPort,
            "csiProvider.httpPort=" + providerPort,
            "csiProvider.coalesceWindow=0s",
            "allowedStoreAddresses={" + storeAddress + "}");
    Path kubeconfig = work.resolve("kubeconfig");
    RenderedService.writeMockKubeconfig(kubeconfig, kubernetes.url(), Helm.NAMESPACE);
    Pair pair =
        new Pair(chart, work, kubeconfig, kubernetes, providerPort, driverPort, spcParameters);
    Path providerThin = extract(providerJar, work.resolve("provider-cp"));
    Path driverThin = extract(driverJar, work.resolve("driver-cp"));
    Path providerCache = work.resolve("csi-provider.aot");
    Path driverCache = work.resolve("csi-driver.aot");

    // Training: both started until ready (the driver's readiness needs the provider), SIGTERM.
    pair.run(
        "train",
        providerJar,
        providerThin,
        List.of("-XX:AOTCacheOutput=" + providerCache),
        driverJar,
        driverThin,
        List.of("-XX:AOTCacheOutput=" + driverCache),
        0);
    assertThat(providerCache).as("the provider wrote its AOT cache on SIGTERM").isNotEmptyFile();
    assertThat(driverCache).as("the driver wrote its AOT cache on SIGTERM").isNotEmptyFile();

    List<Run> runs = new ArrayList<>();
    Pair.Times last = null;
    for (int i = 0; i < 2 * RUNS; i++) {
      boolean cached = i % 2 == 1;
      // AOTMode=on: a cache the JVM could not use fails the run instead of timing a plain start.
      List<String> pFlags =
          cached ? List.of("-XX:AOTCache=" + providerCache, "-XX:AOTMode=on") : List.of();
      List<String> dFlags =
          cached ? List.of("-XX:AOTCache=" + driverCache, "-XX:AOTMode=on") : List.of();
      boolean sequential = i == 2 * RUNS - 1;
      last =
          pair.run(
              "run-" + i,
              providerJar,
              providerThin,
              pFlags,
              driverJar,
              driverThin,
              dFlags,
              sequential ? SEQUENTIAL : 0);
      runs.add(new Run(cached, last.providerStartMs, last.driverStartMs, last.firstMountMs));
    }
    return new Result(
        runs,
        last.sequentialMs,
        last.readMeanMs,
        last.reads,
        last.logins,
        last.providerMountMeanMs,
        last.directMountMs,
        last.directReads,
        Files.size(providerCache) >> 20,
        Files.size(driverCache) >> 20);
  }

  /** Spring Boot's own extraction: {@code <dir>/<jar>} whose manifest names {@code lib/*.jar}. */
  static Path extract(Path fatJar, Path dir) throws Exception {
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djarmode=tools",
                "-jar",
                fatJar.toString(),
                "extract",
                "--destination",
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolveSibling(dir.getFileName() + ".log").toFile())
            .start();
    assertThat(p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0)
        .as("jarmode=tools extract of " + fatJar)
        .isTrue();
    Path thin = dir.resolve(fatJar.getFileName());
    assertThat(thin).exists();
    return thin;
  }

  /** One provider + driver pair in its own directory (fresh sockets and mounts). */
  private record Pair(
      RenderedChart chart,
      Path work,
      Path kubeconfig,
      KubernetesApiMock kubernetes,
      int providerPort,
      int driverPort,
      Map<String, String> spcParameters) {

    record Times(
        double providerStartMs,
        double driverStartMs,
        double firstMountMs,
        double[] sequentialMs,
        double readMeanMs,
        long reads,
        long logins,
        double providerMountMeanMs,
        double[] directMountMs,
        long directReads) {}

    Times run(
        String name,
        Path providerJar,
        Path providerLaunch,
        List<String> providerFlags,
        Path driverJar,
        Path driverLaunch,
        List<String> driverFlags,
        int sequential)
        throws Exception {
      // Its own short directory: unix socket paths (the kubelet's plugin registry) are bounded.
      Path dir = Files.createTempDirectory(Path.of("/tmp"), "dsr");
      Map<String, Path> hostPaths = new HashMap<>();
      List<Pod> pods = new ArrayList<>();
      RenderedService provider = null;
      RenderedService driver = null;
      Csi csi = null;
      try {
        long t = System.nanoTime();
        provider =
            start(PROVIDER, providerJar, providerLaunch, dir, hostPaths, providerFlags, "p-abcde");
        Path providerSocket = provider.path("/provider/vault.sock");
        await(provider, () -> versionAnswers(providerSocket) && ready(providerPort));
        double providerStart = millisSince(t);

        t = System.nanoTime();
        driver = start(DRIVER, driverJar, driverLaunch, dir, hostPaths, driverFlags, "d-abcde");
        Csi kubelet = new Csi(driver.path("/csi/csi.sock"), driver.path(kubeletDir() + "/pods"));
        csi = kubelet;
        await(driver, () -> kubelet.probes() && ready(driverPort));
        double driverStart = millisSince(t);
        if (providerFlags.stream().anyMatch(f -> f.startsWith("-XX:AOTCacheOutput"))) {
          // Training stops at ready, as the image's does.
          return null;
        }

        int mounts = 1 + (sequential > 0 ? WARMUP + sequential : 0);
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < mounts; i++) {
          pods.add(new Pod(name + "-" + i, UUID.randomUUID().toString()));
          tokens.add(
              kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofHours(1)));
        }
        t = System.nanoTime();
        csi.publish(pods.getFirst(), tokens.getFirst());
        double first = millisSince(t);

        double[] took = new double[sequential];
        double[] readsBefore = null;
        double[] loginsBefore = null;
        double[] providerMountsBefore = null;
        for (int i = 1; i < mounts; i++) {
          if (i == 1 + WARMUP) {
            readsBefore = storeRequests(providerPort, "read");
            loginsBefore = storeRequests(providerPort, "login");
            providerMountsBefore = timer(providerPort, "secrets_store_provider_mount_seconds");
          }
          t = System.nanoTime();
          csi.publish(pods.get(i), tokens.get(i));
          if (i > WARMUP) {
            took[i - 1 - WARMUP] = millisSince(t);
          }
        }
        for (Pod pod : pods) {
          assertThat(csi.target(pod).resolve("db-user")).hasContent("u");
          assertThat(Files.readString(csi.target(pod).resolve("tls.key"))).hasSize(2048);
        }
        double mean = Double.NaN;
        long reads = 0;
        long logins = 0;
        double providerMount = Double.NaN;
        if (readsBefore != null) {
          double[] mountsAfter = timer(providerPort, "secrets_store_provider_mount_seconds");
          providerMount =
              (mountsAfter[1] - providerMountsBefore[1])
                  * 1000
                  / (mountsAfter[0] - providerMountsBefore[0]);
          double[] after = storeRequests(providerPort, "read");
          reads = (long) (after[0] - readsBefore[0]);
          mean = reads > 0 ? (after[1] - readsBefore[1]) * 1000 / reads : Double.NaN;
          logins = (long) (storeRequests(providerPort, "login")[0] - loginsBefore[0]);
        }
        double[] direct = new double[sequential];
        long directReads = 0;
        if (sequential > 0) {
          try (ProviderMounts upstreamDriver = new ProviderMounts(providerSocket, spcParameters)) {
            double[] before = null;
            for (int i = 0; i < WARMUP + sequential; i++) {
              Pod pod = new Pod(name + "-direct-" + i, UUID.randomUUID().toString());
              String token =
                  kubernetes
                      .tokens()
                      .mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofHours(1));
              if (i == WARMUP) {
                before = storeRequests(providerPort, "read");
              }
              t = System.nanoTime();
              upstreamDriver.mount(pod, token);
              if (i >= WARMUP) {
                direct[i - WARMUP] = millisSince(t);
              }
            }
            directReads = (long) (storeRequests(providerPort, "read")[0] - before[0]);
            assertThat(directReads)
                .as("sharing off: each direct Mount read its 3 secrets from the store")
                .isEqualTo(3L * sequential);
          }
        }
        return new Times(
            providerStart,
            driverStart,
            first,
            took,
            mean,
            reads,
            logins,
            providerMount,
            direct,
            directReads);
      } finally {
        if (csi != null) {
          for (Pod pod : pods) {
            try {
              csi.unpublish(pod);
            } catch (RuntimeException e) {
              System.err.println("unpublish " + pod + ": " + e.getMessage());
            }
          }
          csi.close();
        }
        // SIGTERM, driver first: a training JVM writes its cache on the way out.
        if (driver != null) {
          driver.terminate();
        }
        if (provider != null) {
          provider.terminate();
        }
        unmountUnder(dir);
        try (var files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }

    private String kubeletDir() {
      return chartKubeletDir(chart);
    }

    private RenderedService start(
        String workload,
        Path jar,
        Path launch,
        Path dir,
        Map<String, Path> hostPaths,
        List<String> flags,
        String podName)
        throws Exception {
      return RenderedService.start(
          chart,
          workload,
          jar,
          launch,
          dir,
          hostPaths,
          secret -> Map.of(),
          Map.of(
              "metadata.name", podName,
              "metadata.namespace", Helm.NAMESPACE,
              "spec.nodeName", NODE),
          kubeconfig,
          flags);
    }
  }
}
