package io.secretsstore.helm;

import static io.secretsstore.helm.DaemonBenchSupport.*;
import static io.secretsstore.helm.DaemonMemory.*;
import static io.secretsstore.helm.KubeletCsi.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code ./dev.sh bench daemons} (issue 17): the csi-driver and csi-provider started exactly as the
 * chart starts them (rendered args, env and ConfigMaps, the images' JVM flags, the chart's memory
 * limit as the JVM's RAM; see {@link RenderedService}), against a real OpenBao and the fabric8 mock
 * API, with real tmpfs mounts (root only). Measures per daemon: start to ready (its socket answers
 * and readiness is 200), the first Mount after ready, resident memory idle and after a 100-volume
 * burst plus 3 rotation cycles, with NMT's account of heap, metaspace, code, threads and direct
 * memory. Then a store outage ({@link HeldPublishes}): OpenBao paused while 150 publishes arrive,
 * the driver's RSS and threads at the peak and after recovery, and how many its bounded pool
 * refused. Floors measured in the same run: a minimal JVM process with the same flags (start-up,
 * memory), the framework's ({@link FrameworkFloors}: an empty Spring Boot + spring-grpc daemon,
 * with and without actuator), and a raw HTTP GET of the same secret from this JVM (a mount's store
 * round trip). The comparison with the upstream provider: the provider's {@code Mount}
 * called straight on its socket with a SecretProviderClass's parameters ({@link ProviderMounts}, in
 * {@link DaemonStartups}' last run, sharing off).
 *
 * <p>Not a test of timing: it asserts only that every volume got its files. Numbers go to stdout
 * and {@code target/bench/daemons.txt}; record them with the machine load it prints.
 */
class DaemonsBenchmark {

  static final String NODE = "node-a";
  static final String NAMESPACE = "team-bench";
  static final String ACCOUNT = "app";
  static final String ROLE = "bench";
  static final String AUDIENCE = "secrets-store";
  static final String PROVIDER = "secrets-store-csi-provider";
  static final String DRIVER = "secrets-store-csi-driver";
  static final int BURST = 100;
  static final int PARALLEL = 8;
  static final int CYCLES = 3;
  static final Duration IDLE = Duration.ofSeconds(15);
  static final Path JCMD = Path.of(System.getProperty("java.home"), "bin", "jcmd");

  /**
   * The same 5 files as a SecretProviderClass's parameters (upstream's dialect), for the Mount
   * calls straight to the provider.
   */
  static Map<String, String> spcParameters(String address, String auth, String prefix) {
    StringBuilder objects = new StringBuilder();
    for (String[] o :
        List.of(
            new String[] {"db-user", "db", "user"},
            new String[] {"db-password", "db", "password"},
            new String[] {"api-token", "api", "token"},
            new String[] {"tls.crt", "tls", "crt"},
            new String[] {"tls.key", "tls", "key"})) {
      objects.append(
          "- objectName: %s\n  secretPath: secret/data/%s/%s\n  secretKey: %s\n"
              .formatted(o[0], prefix, o[1], o[2]));
    }
    return Map.of(
        "roleName", ROLE,
        "vaultAddress", address,
        "vaultKubernetesMountPath", auth,
        "audience", AUDIENCE,
        "objects", objects.toString());
  }

  @Test
  void daemonsAgainstTheirFloors() throws Exception {
    assumeTrue("root".equals(System.getProperty("user.name")), "the csi-driver runs as root only");
    String loadBefore = Files.readString(Path.of("/proc/loadavg")).strip();
    OpenBaoServer store = SharedStore.store();
    KubernetesApiMock kubernetes = SharedStore.kubernetes();
    KubernetesClient client = kubernetes.client();
    StoreAdmin admin = store.admin();
    String auth = SharedStore.unique("kube");
    String prefix = SharedStore.unique("bench");
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        ROLE,
        List.of(ACCOUNT, HeldPublishes.ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofHours(1),
        AUDIENCE);
    // The import: 5 files from 3 secrets.
    admin.putKv2("secret", prefix + "/db", Map.of("user", "u", "password", "p-0"));
    admin.putKv2("secret", prefix + "/api", Map.of("token", "t"));
    admin.putKv2(
        "secret", prefix + "/tls", Map.of("crt", "c".repeat(2048), "key", "k".repeat(2048)));
    SecretsStoreImportSpec spec = new SecretsStoreImportSpec();
    spec.setRole(ROLE);
    spec.setAuthPath(auth);
    spec.setAddress(store.address());
    spec.setFiles(
        List.of(
            file("db-user", prefix + "/db", "user"),
            file("db-password", prefix + "/db", "password"),
            file("api-token", prefix + "/api", "token"),
            file("tls.crt", prefix + "/tls", "crt"),
            file("tls.key", prefix + "/tls", "key")));
    SecretsStoreImport ssi = new SecretsStoreImport();
    ssi.setMetadata(new ObjectMetaBuilder().withName("bench").withNamespace(NAMESPACE).build());
    ssi.setSpec(spec);
    client.resource(ssi).create();

    Path work = Files.createTempDirectory(Path.of("/tmp"), "db");
    List<RenderedService> services = new ArrayList<>();
    List<Pod> pods = new ArrayList<>();
    Csi csi = null;
    try {
      int driverPort = freePort();
      int providerPort = freePort();
      // The default profile; free ports (other runs share the machine), the store's plain-http test
      // address allowed for imports, and a short rotation interval so that 3 cycles fit the run.
      RenderedChart chart =
          RenderedChart.render(
              Profile.DEFAULT,
              "csiDriver.httpPort=" + driverPort,
              "csiProvider.httpPort=" + providerPort,
              "csiDriver.rotation.interval=10s",
              "allowedStoreAddresses={" + store.address() + "}");
      Path kubeconfig = work.resolve("kubeconfig");
      RenderedService.writeMockKubeconfig(kubeconfig, kubernetes.url(), Helm.NAMESPACE);
      Map<String, Path> hostPaths = new HashMap<>();
      Path providerJar = jar("jar.csi-provider");
      Path driverJar = jar("jar.csi-driver");

      // Start-up with and without the images' AOT cache, and warm mounts with sharing off: pairs
      // of daemons of their own, before the memory run (which starts the fat jars with NMT).
      DaemonStartups.Result startups =
          DaemonStartups.measure(
              Files.createDirectories(work.resolve("startups")),
              store.address(),
              kubernetes,
              providerJar,
              driverJar,
              spcParameters(store.address(), auth, prefix));

      // Floors: the smallest JVM with each daemon's flags and limit.
      Floor providerFloor = idleJvm(chart, PROVIDER, providerJar, work);
      Floor driverFloor = idleJvm(chart, DRIVER, driverJar, work);
      // The framework's: an empty Spring Boot + spring-grpc daemon, with and without actuator.
      FrameworkFloors.Result frameworks =
          FrameworkFloors.measure(chart, providerJar, driverJar, work);

      // The provider first (the driver's readiness needs it), each timed from its process start.
      long started = System.nanoTime();
      RenderedService provider =
          start(
              chart,
              PROVIDER,
              providerJar,
              work,
              hostPaths,
              kubeconfig,
              "secrets-store-csi-provider-abcde");
      services.add(provider);
      Path providerSocket = provider.path("/provider/vault.sock");
      await(provider, () -> versionAnswers(providerSocket) && ready(providerPort));
      double providerStart = millisSince(started);

      started = System.nanoTime();
      RenderedService driver =
          start(
              chart, DRIVER, driverJar, work, hostPaths, kubeconfig, "secrets-store-csi-driver-x");
      services.add(driver);
      Path csiSocket = driver.path("/csi/csi.sock");
      Path podsDir = driver.path(chartKubeletDir(chart) + "/pods");
      csi = new Csi(csiSocket, podsDir);
      Csi kubelet = csi;
      await(driver, () -> kubelet.probes() && ready(driverPort));
      double driverStart = millisSince(started);

      // The first Mount after ready, then both idle.
      for (int i = 0; i < BURST; i++) {
        pods.add(new Pod("bench-" + i, UUID.randomUUID().toString()));
      }
      List<String> tokens = new ArrayList<>();
      for (Pod pod : pods) {
        tokens.add(
            kubernetes.tokens().mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofHours(1)));
      }
      started = System.nanoTime();
      csi.publish(pods.getFirst(), tokens.getFirst());
      double firstMount = millisSince(started);
      Thread.sleep(IDLE.toMillis());
      Snapshot providerIdle = Snapshot.of(provider);
      Snapshot driverIdle = Snapshot.of(driver);

      // The burst: the other 99 volumes, PARALLEL at a time (kubelet publishes pods in parallel).
      double[] publish = new double[BURST - 1];
      started = System.nanoTime();
      try (ExecutorService callers = Executors.newFixedThreadPool(PARALLEL)) {
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 1; i < BURST; i++) {
          int n = i;
          calls.add(
              callers.submit(
                  () -> {
                    long t = System.nanoTime();
                    kubelet.publish(pods.get(n), tokens.get(n));
                    publish[n - 1] = millisSince(t);
                  }));
        }
        for (Future<?> call : calls) {
          call.get(10, TimeUnit.MINUTES);
        }
      }
      double burstWall = millisSince(started);

      // 3 rotation cycles, the password changed before each (so cycles rewrite volumes).
      long cycles = rotationCycles(driverPort);
      for (int c = 1; c <= CYCLES; c++) {
        admin.putKv2("secret", prefix + "/db", Map.of("user", "u", "password", "p-" + c));
        long target = cycles + c;
        await(driver, () -> rotationCycles(driverPort) >= target);
      }
      Snapshot providerLoaded = Snapshot.of(provider);
      Snapshot driverLoaded = Snapshot.of(driver);
      for (Pod pod : pods) {
        assertThat(Files.readString(csi.target(pod).resolve("db-user"))).isEqualTo("u");
        assertThat(Files.readString(csi.target(pod).resolve("tls.key"))).hasSize(2048);
      }

      // A store outage with publishes piling up (the bounded pool), then its recovery.
      HeldPublishes.Result held =
          HeldPublishes.measure(csi, driver, provider, driverPort, store, kubernetes, pods);

      double[] get = rawGets(store, prefix + "/db");
      double[] getLikeProvider =
          rawGetsLikeTheProvider(
              chart,
              providerJar,
              work,
              store.address() + "/v1/secret/data/" + prefix + "/db",
              store.rootToken(),
              200);
      List<String> secrets = List.of(prefix + "/db", prefix + "/api", prefix + "/tls");
      double[] threeGets = StoreFloors.threeGets(store, secrets);
      double[] loginThreeGets =
          StoreFloors.loginAndThreeGets(
              store,
              auth,
              ROLE,
              secrets,
              () ->
                  kubernetes
                      .tokens()
                      .mint(NAMESPACE, ACCOUNT, List.of(AUDIENCE), Duration.ofHours(1)));
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();

      String table =
          DaemonsTable.render(
              new DaemonsTable.Figures(
                  providerFloor,
                  driverFloor,
                  providerStart,
                  driverStart,
                  firstMount,
                  providerIdle,
                  driverIdle,
                  providerLoaded,
                  driverLoaded,
                  publish,
                  burstWall,
                  get,
                  getLikeProvider,
                  threeGets,
                  loginThreeGets,
                  startups,
                  frameworks,
                  held,
                  limitMiB(chart, DRIVER),
                  loadBefore,
                  loadAfter));
      Path out = Path.of("target", "bench");
      Files.createDirectories(out);
      Files.writeString(out.resolve("daemons.txt"), table);
      System.out.println(table);
      for (RenderedService s : services) {
        assertThat(s.alive()).as(s.name + " still running").isTrue();
      }
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
      for (RenderedService s : services) {
        s.close();
      }
      unmountUnder(work);
      try (var files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
