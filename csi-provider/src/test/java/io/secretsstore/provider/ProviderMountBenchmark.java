package io.secretsstore.provider;

import static io.secretsstore.provider.ProviderClient.attributes;
import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Mount latency of a 5-file import against the local OpenBao, with baselines measured in the same
 * run: one raw store round trip (the floor) and the upstream provider's cost model (a login plus
 * one read per file, serially, for every mount). Prints numbers and ratios; asserts only that the
 * mounts worked. Not part of the test suite: run it with {@code ./dev.sh bench provider}.
 */
@SpringBootTest(
    webEnvironment = SpringBootTest.WebEnvironment.NONE,
    properties = {"secrets-store.provider.coalesce-window=0s", "server.port=0"})
class ProviderMountBenchmark {

  static final int WARMUP = 100;
  static final int MEASURED = 500;
  static final JsonMapper JSON = JsonMapper.builder().build();

  @org.springframework.beans.factory.annotation.Autowired
  io.secretsstore.vault.StoreMetrics storeMetrics;

  static OpenBaoServer store;
  static KubernetesApiMock kubernetes;
  static RequestCountingProxy proxy;
  static Path socketDir;
  static String auth;
  static String prefix;

  @DynamicPropertySource
  static void properties(DynamicPropertyRegistry registry) throws Exception {
    store = SharedStore.store();
    kubernetes = SharedStore.kubernetes();
    StoreAdmin admin = store.admin();
    proxy = new RequestCountingProxy(store.address());
    socketDir = Files.createTempDirectory("provider-bench");
    auth = SharedStore.unique("kube");
    prefix = SharedStore.unique("bench");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        "app",
        List.of("app"),
        List.of("team-a"),
        List.of(prefix),
        Duration.ofMinutes(30),
        "secrets-store");
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u", "password", "p", "host", "db"));
    admin.putKv2("secret", prefix + "/api", Map.of("token", "t"));
    admin.putKv2("secret", prefix + "/tls", Map.of("key", "k".repeat(2048)));
    registry.add("secrets-store.provider.socket-dir", socketDir::toString);
    registry.add(
        "secrets-store.provider.object-version-key-file",
        () -> socketDir + "-state/object-version.key");
    registry.add("secrets-store.connection.url", store::address);
    registry.add("secrets-store.connection.auth-path", () -> auth);
  }

  static String file(String name, String path, String key) {
    return "{\"name\":\""
        + name
        + "\",\"source\":{\"path\":\"secret/data/"
        + prefix
        + "/"
        + path
        + "\",\"key\":\""
        + key
        + "\"}}";
  }

  static final List<String[]> FILES =
      List.of(
          new String[] {"db-user", "db", "user"},
          new String[] {"db-password", "db", "password"},
          new String[] {"db-host", "db", "host"},
          new String[] {"api-token", "api", "token"},
          new String[] {"tls.key", "tls", "key"});

  static String jwt() {
    return kubernetes
        .tokens()
        .mint("team-a", "app", List.of("secrets-store"), Duration.ofMinutes(30));
  }

  @Test
  void mountLatencyAgainstTheStoreFloorAndTheUpstreamCostModel() throws Exception {
    String files =
        "[" + String.join(",", FILES.stream().map(f -> file(f[0], f[1], f[2])).toList()) + "]";
    try (ProviderClient client = new ProviderClient(socketDir.resolve("vault.sock"))) {
      Supplier<Map<String, String>> pod =
          () -> {
            Map<String, String> parameters = new LinkedHashMap<>();
            parameters.put("role", "app");
            parameters.put("files", files);
            return attributes("team-a", "app", Map.of("secrets-store", jwt()), parameters);
          };
      // Tokens are minted outside the timed section.
      List<Map<String, String>> requests =
          java.util.stream.Stream.generate(pod).limit(WARMUP + MEASURED).toList();
      io.micrometer.core.instrument.Timer reads =
          storeMetrics
              .registry()
              .find(io.secretsstore.vault.StoreMetrics.REQUESTS)
              .tag("operation", "read")
              .tag("outcome", "success")
              .timer();
      long readsBefore = reads == null ? 0 : reads.count();
      double readNanosBefore =
          reads == null ? 0 : reads.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS);
      long loginsBefore = storeMetrics.requestCount("login", "success");
      double[] ours =
          time(requests, request -> assertThat(client.mount(request).getFilesCount()).isEqualTo(5));
      reads =
          storeMetrics
              .registry()
              .find(io.secretsstore.vault.StoreMetrics.REQUESTS)
              .tag("operation", "read")
              .tag("outcome", "success")
              .timer();
      long insideReads = reads.count() - readsBefore;
      double insideReadMillis =
          (reads.totalTime(java.util.concurrent.TimeUnit.NANOSECONDS) - readNanosBefore)
              / 1e6
              / insideReads;
      long insideLogins = storeMetrics.requestCount("login", "success") - loginsBefore;

      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      String token = login(http, jwt());
      String readUrl = store.address() + "/v1/secret/data/" + prefix + "/db";
      double[] floor = time(requests, ignored -> get(http, readUrl, token));

      // The mount's shape: its 3 secrets read at once, each on its own virtual thread, from the
      // same client and JVM; the mean of one read is the floor of a read inside the provider.
      String[] paths = {"db", "api", "tls"};
      java.util.concurrent.atomic.LongAdder parallelNanos =
          new java.util.concurrent.atomic.LongAdder();
      java.util.concurrent.atomic.LongAdder parallelReads =
          new java.util.concurrent.atomic.LongAdder();
      time(
          requests,
          ignored -> {
            List<Thread> threads = new java.util.ArrayList<>();
            for (String path : paths) {
              threads.add(
                  Thread.ofVirtual()
                      .start(
                          () -> {
                            long start = System.nanoTime();
                            try {
                              get(
                                  http,
                                  store.address() + "/v1/secret/data/" + prefix + "/" + path,
                                  token);
                            } catch (Exception e) {
                              throw new IllegalStateException(e);
                            }
                            parallelNanos.add(System.nanoTime() - start);
                            parallelReads.increment();
                          }));
            }
            for (Thread thread : threads) {
              thread.join();
            }
          });
      double parallelReadMillis = parallelNanos.sum() / 1e6 / parallelReads.sum();

      io.secretsstore.vault.StoreClient storeClient =
          io.secretsstore.vault.StoreClient.create(
              io.secretsstore.vault.StoreConnection.builder(store.address()).build(),
              io.secretsstore.vault.StoreMetrics.unexported());
      org.springframework.vault.support.VaultToken vaultToken =
          org.springframework.vault.support.VaultToken.of(token);
      double[] library =
          time(
              requests,
              ignored ->
                  storeClient.readKv(
                      vaultToken, "secret/data/" + prefix + "/db", java.util.OptionalInt.empty()));

      double[] upstream =
          time(
              requests,
              ignored -> {
                String podToken = login(http, jwt());
                for (String[] f : FILES) {
                  get(http, store.address() + "/v1/secret/data/" + prefix + "/" + f[1], podToken);
                }
              });

      proxy.reset();
      System.out.printf(
          "%nprovider mount benchmark: %d mounts of a 5-file import (3 secrets), after %d warm-up%n",
          MEASURED, WARMUP);
      row("raw store read (floor)", floor, floor);
      row("common-vault StoreClient.readKv", library, floor);
      row("upstream model (login + 5 serial reads)", upstream, floor);
      row("this provider (Mount over the socket)", ours, floor);
      System.out.printf(
          "  one raw read, 3 at once on virtual threads (mean of %d)      %.3f ms%n"
              + "  one store read inside the provider (mean of %d, 3 at once)  %.3f ms"
              + "  (x%.2f of the raw read in the same shape); logins during the mounts: %d%n",
          parallelReads.sum(),
          parallelReadMillis,
          insideReads,
          insideReadMillis,
          insideReadMillis / parallelReadMillis,
          insideLogins);
      System.out.printf(
          "store requests per mount: upstream model %d (1 login + 5 reads); this provider %d reads"
              + " + logins only when the cached token nears expiry%n%n",
          1 + FILES.size(), 3);
    }
  }

  interface Action {
    void run(Map<String, String> request) throws Exception;
  }

  static double[] time(List<Map<String, String>> requests, Action action) throws Exception {
    double[] millis = new double[MEASURED];
    for (int i = 0; i < requests.size(); i++) {
      long start = System.nanoTime();
      action.run(requests.get(i));
      if (i >= WARMUP) {
        millis[i - WARMUP] = (System.nanoTime() - start) / 1e6;
      }
    }
    Arrays.sort(millis);
    return millis;
  }

  static void row(String name, double[] sorted, double[] floor) {
    double p50 = percentile(sorted, 50);
    double p99 = percentile(sorted, 99);
    System.out.printf(
        "  %-42s p50 %7.3f ms  p99 %7.3f ms  (p50 x%.2f of the floor)%n",
        name, p50, p99, p50 / percentile(floor, 50));
  }

  static double percentile(double[] sorted, int p) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
  }

  static String login(HttpClient http, String jwt) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(store.address() + "/v1/auth/" + auth + "/login"))
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        JSON.writeValueAsString(Map.of("role", "app", "jwt", jwt))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode body = JSON.readTree(response.body());
    return body.path("auth").path("client_token").asString();
  }

  static void get(HttpClient http, String url, String token) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("X-Vault-Token", token).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
  }
}
