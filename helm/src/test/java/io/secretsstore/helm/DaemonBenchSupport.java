package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.DaemonsBenchmark.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.testkit.OpenBaoServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Small helpers of the daemons benchmark: probes, metrics, the raw-GET floor, waits, cleanup. */
final class DaemonBenchSupport {

  private DaemonBenchSupport() {}

  static boolean ready(int port) {
    try {
      return HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/actuator/health/readiness"))
                      .timeout(Duration.ofSeconds(5))
                      .build(),
                  HttpResponse.BodyHandlers.discarding())
              .statusCode()
          == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Completed rotation cycles, from the driver's own metric. */
  static long rotationCycles(int port) {
    try {
      String text = prometheus(port);
      Matcher m =
          Pattern.compile(
                  "(?m)^secrets_store_driver_rotation_cycle_seconds_count(?:\\{[^}]*})? (\\S+)")
              .matcher(text);
      return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * {count, sum in seconds} of the daemon's successful store requests of {@code operation}
   * (common-vault's {@code secrets_store_requests_seconds}), from its Prometheus endpoint.
   */
  static double[] storeRequests(int port, String operation) throws Exception {
    return timer(port, "secrets_store_requests_seconds", "operation=\"" + operation + "\"");
  }

  /** {count, sum in seconds} of a timer's series carrying every label and outcome success. */
  static double[] timer(int port, String name, String... labels) throws Exception {
    String text = prometheus(port);
    double[] countAndSum = new double[2];
    Matcher m = Pattern.compile("(?m)^" + name + "_(count|sum)\\{([^}]*)} (\\S+)").matcher(text);
    while (m.find()) {
      String series = m.group(2);
      if (series.contains("outcome=\"success\"")
          && java.util.Arrays.stream(labels).allMatch(series::contains)) {
        countAndSum[m.group(1).equals("count") ? 0 : 1] += Double.parseDouble(m.group(3));
      }
    }
    return countAndSum;
  }

  /** The sum of a Prometheus metric's series carrying every label, from the daemon's endpoint. */
  static double metric(int port, String name, String... labels) throws Exception {
    String text = prometheus(port);
    double sum = 0;
    Matcher m = Pattern.compile("(?m)^" + name + "(?:\\{([^}]*)})? (\\S+)").matcher(text);
    while (m.find()) {
      String series = m.group(1) == null ? "" : m.group(1);
      if (Arrays.stream(labels).allMatch(series::contains)) {
        sum += Double.parseDouble(m.group(2));
      }
    }
    return sum;
  }

  /** The daemon's Prometheus text. */
  static String prometheus(int port) throws IOException, InterruptedException {
    return HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** The floor of a mount's store work: GETs of the same secret from this JVM, after a warm-up. */
  static double[] rawGets(OpenBaoServer store, String path) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(store.address() + "/v1/secret/data/" + path))
            .header("X-Vault-Token", store.rootToken())
            .timeout(Duration.ofSeconds(10))
            .build();
    for (int i = 0; i < 50; i++) {
      HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
    double[] took = new double[200];
    for (int i = 0; i < took.length; i++) {
      long t = System.nanoTime();
      HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      took[i] = millisSince(t);
      assertThat(r.statusCode()).isEqualTo(200);
    }
    return took;
  }

  // ------------------------------------------------------------------ helpers

  static SecretFile file(String name, String path, String key) {
    return new SecretFile(name, new SecretSource("secret/data/" + path, key));
  }

  static String chartKubeletDir(RenderedChart chart) {
    return chart.pod(DRIVER).getContainers().getFirst().getVolumeMounts().stream()
        .filter(m -> m.getName().equals("pods-dir"))
        .findFirst()
        .orElseThrow()
        .getMountPath()
        .replaceAll("/pods$", "");
  }

  static Path jar(String property) {
    Path jar = Path.of(System.getProperty(property, "missing-" + property));
    assertThat(jar).as("built by the reactor before this module").exists();
    return jar;
  }

  static double percentile(double[] values, int p) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  static double millisSince(long nanos) {
    return (System.nanoTime() - nanos) / 1e6;
  }

  /** Lazily unmounts whatever is still mounted below {@code dir} (a failed run leaves nothing). */
  static void unmountUnder(Path dir) throws Exception {
    List<String> targets = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
      String[] fields = line.split(" ");
      if (fields.length > 1 && fields[1].startsWith(dir.toString() + "/")) {
        targets.add(fields[1].replace("\\040", " "));
      }
    }
    targets.sort(Comparator.comparingInt(String::length).reversed());
    for (String target : targets) {
      new ProcessBuilder("umount", "-l", target).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
    }
  }

  static int freePort() {
    return io.secretsstore.testkit.LoopbackPorts.free();
  }

  /** {@link RenderedService#await}, polled every 20 ms: start-up times are read off this wait. */
  static void await(RenderedService service, BooleanSupplier condition) {
    service.await(condition, Duration.ofMillis(20));
  }
}
