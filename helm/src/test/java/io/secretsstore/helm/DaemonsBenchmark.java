package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.csi.v1.NodePublishVolumeRequest;
import io.secretsstore.model.csi.v1.NodeUnpublishVolumeRequest;
import io.secretsstore.model.csi.v1.ProbeRequest;
import io.secretsstore.model.csi.v1.VolumeCapability;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.provider.v1alpha1.CSIDriverProviderGrpc;
import io.secretsstore.model.provider.v1alpha1.VersionRequest;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code ./dev.sh bench daemons} (issue 17): the csi-driver and csi-provider started exactly as the
 * chart starts them (rendered args, env and ConfigMaps, the images' JVM flags, the chart's memory
 * limit as the JVM's RAM; see {@link RenderedService}), against a real OpenBao and the fabric8 mock
 * API, with real tmpfs mounts (root only). Measures per daemon: start to ready (its socket answers
 * and readiness is 200), the first Mount after ready, resident memory idle and after a 100-volume
 * burst plus 3 rotation cycles, with NMT's account of heap, metaspace, code, threads and direct
 * memory. Floors measured in the same run: a minimal JVM process with the same flags (start-up,
 * memory), and a raw HTTP GET of the same secret from this JVM (a mount's store round trip).
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
        List.of(ACCOUNT),
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
      Files.writeString(
          kubeconfig,
          """
          apiVersion: v1
          kind: Config
          clusters: [{name: mock, cluster: {server: "%s"}}]
          users: [{name: sa, user: {token: service-account-token}}]
          contexts: [{name: in-cluster, context: {cluster: mock, user: sa, namespace: %s}}]
          current-context: in-cluster
          """
              .formatted(kubernetes.url(), Helm.NAMESPACE));
      Map<String, Path> hostPaths = new HashMap<>();
      Path providerJar = jar("jar.csi-provider");
      Path driverJar = jar("jar.csi-driver");

      // Floors: the smallest JVM with each daemon's flags and limit.
      Floor providerFloor = idleJvm(chart, PROVIDER, providerJar, work);
      Floor driverFloor = idleJvm(chart, DRIVER, driverJar, work);

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

      double[] get = rawGets(store, prefix + "/db");
      String loadAfter = Files.readString(Path.of("/proc/loadavg")).strip();

      String table =
          table(
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
              loadBefore,
              loadAfter);
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

  // ------------------------------------------------------------------ the table

  static String table(
      Floor providerFloor,
      Floor driverFloor,
      double providerStart,
      double driverStart,
      double firstMount,
      Snapshot providerIdle,
      Snapshot driverIdle,
      Snapshot providerLoaded,
      Snapshot driverLoaded,
      double[] publish,
      double burstWall,
      double[] get,
      String loadBefore,
      String loadAfter) {
    StringBuilder t = new StringBuilder();
    t.append("Node daemons as the chart starts them (issue 17). Machine load (1/5/15 min) before: ")
        .append(loadBefore)
        .append(", after: ")
        .append(loadAfter)
        .append(", cores: ")
        .append(Runtime.getRuntime().availableProcessors())
        .append("\n\n");
    t.append("| figure | ours | floor (same run) | ratio | goal |\n|---|---|---|---|---|\n");
    row(t, "provider RSS idle (MiB)", providerIdle.rssMiB, "minimal JVM", providerFloor.rssMiB, "");
    row(t, "driver RSS idle (MiB)", driverIdle.rssMiB, "minimal JVM", driverFloor.rssMiB, "");
    row(
        t,
        "driver + provider RSS idle (MiB)",
        providerIdle.rssMiB + driverIdle.rssMiB,
        "2 minimal JVMs",
        providerFloor.rssMiB + driverFloor.rssMiB,
        "<= 160");
    row(
        t,
        "provider RSS after " + BURST + " volumes + " + CYCLES + " rotations (MiB)",
        providerLoaded.rssMiB,
        "minimal JVM",
        providerFloor.rssMiB,
        "");
    row(
        t,
        "driver RSS after " + BURST + " volumes + " + CYCLES + " rotations (MiB)",
        driverLoaded.rssMiB,
        "minimal JVM",
        driverFloor.rssMiB,
        "");
    row(
        t,
        "driver + provider RSS after burst + rotations (MiB)",
        providerLoaded.rssMiB + driverLoaded.rssMiB,
        "2 minimal JVMs",
        providerFloor.rssMiB + driverFloor.rssMiB,
        "<= 200");
    row(
        t,
        "provider start -> ready (ms)",
        providerStart,
        "minimal JVM",
        providerFloor.startMs,
        "<= 2000");
    row(
        t,
        "driver start -> ready (ms)",
        driverStart,
        "minimal JVM",
        driverFloor.startMs,
        "<= 2000");
    double getP50 = percentile(get, 50);
    row(t, "first Mount after ready (ms)", firstMount, "raw GET p50", getP50, "<= 100");
    row(
        t,
        "publish p50 in the burst, " + PARALLEL + " at a time (ms)",
        percentile(publish, 50),
        "raw GET p50",
        getP50,
        "");
    row(
        t,
        "publish p99 in the burst (ms)",
        percentile(publish, 99),
        "raw GET p99",
        percentile(get, 99),
        "");
    t.append(
        String.format(
            Locale.ROOT,
            "\nburst of %d volumes: %.0f ms wall; raw GET: %d requests from this JVM (HTTP/1.1, kept"
                + " alive)\n",
            BURST - 1,
            burstWall,
            get.length));
    t.append(
        "\nNative Memory Tracking, committed MiB (RSS also holds libjvm and mapped files):\n\n");
    t.append(
        "| daemon | state | RSS | NMT total | heap | class+metaspace | shared classes | symbols |"
            + " code | threads (count) | GC | other (direct) | NMT itself |\n");
    t.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    nmt(t, "provider", "idle", providerIdle);
    nmt(t, "provider", "after burst", providerLoaded);
    nmt(t, "driver", "idle", driverIdle);
    nmt(t, "driver", "after burst", driverLoaded);
    nmt(t, "minimal JVM", "idle", providerFloor.snapshot);
    t.append("\nLoaded classes: provider ")
        .append(providerLoaded.classes)
        .append(", driver ")
        .append(driverLoaded.classes)
        .append(", minimal JVM ")
        .append(providerFloor.snapshot.classes)
        .append('\n');
    return t.toString();
  }

  static void row(
      StringBuilder t, String figure, double ours, String floorName, double floor, String goal) {
    t.append(
        String.format(
            Locale.ROOT,
            "| %s | %.0f | %s %.1f | %.1fx | %s |\n",
            figure,
            ours,
            floorName,
            floor,
            floor > 0 ? ours / floor : Double.NaN,
            goal));
  }

  static void nmt(StringBuilder t, String daemon, String state, Snapshot s) {
    t.append(
        String.format(
            Locale.ROOT,
            "| %s | %s | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f (%d) | %.1f | %.1f | %.1f |\n",
            daemon,
            state,
            s.rssMiB,
            s.nmt("Total"),
            s.nmt("Java Heap"),
            s.nmt("Class") + s.nmt("Metaspace"),
            s.nmt("Shared class space"),
            s.nmt("Symbol"),
            s.nmt("Code"),
            s.nmt("Thread"),
            s.threads,
            s.nmt("GC"),
            s.nmt("Other"),
            s.nmt("Native Memory Tracking")));
  }

  // ------------------------------------------------------------------ processes

  static RenderedService start(
      RenderedChart chart,
      String workload,
      Path jar,
      Path work,
      Map<String, Path> hostPaths,
      Path kubeconfig,
      String podName)
      throws IOException {
    return RenderedService.start(
        chart,
        workload,
        jar,
        work,
        hostPaths,
        name -> Map.of(),
        Map.of(
            "metadata.name", podName,
            "metadata.namespace", Helm.NAMESPACE,
            "spec.nodeName", NODE),
        kubeconfig,
        List.of("-XX:NativeMemoryTracking=summary"));
  }

  record Floor(double startMs, long rssMiB, Snapshot snapshot) {}

  /** {@link IdleJvm} with the daemon image's JVM flags and its chart limit as RAM. */
  static Floor idleJvm(RenderedChart chart, String workload, Path jar, Path work) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(RenderedService.imageJvmFlags(jar));
    Quantity limit =
        chart.pod(workload).getContainers().getFirst().getResources().getLimits().get("memory");
    command.add("-XX:MaxRAM=" + Quantity.getAmountInBytes(limit).toBigInteger());
    command.add("-XX:NativeMemoryTracking=summary");
    command.add("-cp");
    command.add(
        Path.of(IdleJvm.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .toString());
    command.add(IdleJvm.class.getName());
    long started = System.nanoTime();
    Process process =
        new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true).start();
    try {
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      double startMs = millisSince(started);
      assertThat(line).isEqualTo("ready");
      Thread.sleep(IDLE.toMillis());
      Snapshot snapshot = Snapshot.of(process.pid(), workload + " floor");
      return new Floor(startMs, snapshot.rssMiB, snapshot);
    } finally {
      process.destroy();
      process.waitFor(20, TimeUnit.SECONDS);
    }
  }

  /** RSS, threads, classes and NMT's summary of one process now. */
  record Snapshot(long rssMiB, int threads, long classes, Map<String, Double> committedMiB) {

    static Snapshot of(RenderedService service) throws Exception {
      return of(service.pid(), service.name);
    }

    static Snapshot of(long pid, String name) throws Exception {
      long rss = 0;
      int threads = 0;
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          rss = Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
        } else if (line.startsWith("Threads:")) {
          threads = Integer.parseInt(line.replaceAll("[^0-9]", ""));
        }
      }
      String summary = jcmd(pid, "VM.native_memory", "summary");
      Map<String, Double> committed = new LinkedHashMap<>();
      Matcher total =
          Pattern.compile("Total: reserved=\\d+KB, committed=(\\d+)KB").matcher(summary);
      if (!total.find()) {
        throw new AssertionError("no NMT summary from " + name + ":\n" + summary);
      }
      committed.put("Total", Long.parseLong(total.group(1)) / 1024.0);
      Matcher m =
          Pattern.compile("(?m)^-\\s+(.+?) \\(reserved=\\d+KB, committed=(\\d+)KB")
              .matcher(summary);
      while (m.find()) {
        committed.put(m.group(1).strip(), Long.parseLong(m.group(2)) / 1024.0);
      }
      String classes = jcmd(pid, "VM.classes");
      long count = classes.lines().filter(l -> l.matches("^0x[0-9a-f]+\\s.*")).count();
      return new Snapshot(rss, threads, count, committed);
    }

    double nmt(String category) {
      return committedMiB.getOrDefault(category, 0.0);
    }
  }

  static String jcmd(long pid, String... command) throws Exception {
    List<String> args = new ArrayList<>(List.of(JCMD.toString(), String.valueOf(pid)));
    args.addAll(Arrays.asList(command));
    Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(60, TimeUnit.SECONDS);
    return out;
  }

  // ------------------------------------------------------------------ kubelet's side

  record Pod(String name, String uid) {
    String volumeId() {
      return "csi-" + uid.replace("-", "") + "-secrets";
    }
  }

  /** Calls the driver as kubelet does for an inline volume (podInfoOnMount, tokenRequests). */
  static final class Csi implements AutoCloseable {
    final MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;
    final Path podsDir;

    Csi(Path socket, Path podsDir) {
      this.podsDir = podsDir;
      channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
              .eventLoopGroup(group)
              .channelType(EpollDomainSocketChannel.class)
              .usePlaintext()
              .build();
    }

    Path target(Pod pod) {
      return podsDir.resolve(pod.uid()).resolve("volumes/kubernetes.io~csi/secrets/mount");
    }

    boolean probes() {
      try {
        return IdentityGrpc.newBlockingStub(channel)
            .withDeadlineAfter(2, TimeUnit.SECONDS)
            .probe(ProbeRequest.getDefaultInstance())
            .hasReady();
      } catch (RuntimeException e) {
        return false;
      }
    }

    void publish(Pod pod, String token) {
      try {
        Files.createDirectories(target(pod).getParent());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      Map<String, String> context = new LinkedHashMap<>();
      context.put("secretsStoreImport", "bench");
      context.put(CsiNames.POD_NAME, pod.name());
      context.put(CsiNames.POD_NAMESPACE, NAMESPACE);
      context.put(CsiNames.POD_UID, pod.uid());
      context.put(CsiNames.SERVICE_ACCOUNT_NAME, ACCOUNT);
      context.put(CsiNames.EPHEMERAL, "true");
      context.put(
          CsiNames.SERVICE_ACCOUNT_TOKENS,
          "{\"%s\":{\"token\":\"%s\",\"expirationTimestamp\":\"%s\"}}"
              .formatted(AUDIENCE, token, Instant.now().plusSeconds(3600)));
      NodeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(180, TimeUnit.SECONDS)
          .nodePublishVolume(
              NodePublishVolumeRequest.newBuilder()
                  .setVolumeId(pod.volumeId())
                  .setTargetPath(target(pod).toString())
                  .setVolumeCapability(
                      VolumeCapability.newBuilder()
                          .setMount(VolumeCapability.MountVolume.getDefaultInstance())
                          .setAccessMode(
                              VolumeCapability.AccessMode.newBuilder()
                                  .setMode(
                                      VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY)))
                  .setReadonly(true)
                  .putAllVolumeContext(context)
                  .build());
    }

    void unpublish(Pod pod) {
      NodeGrpc.newBlockingStub(channel)
          .withDeadlineAfter(180, TimeUnit.SECONDS)
          .nodeUnpublishVolume(
              NodeUnpublishVolumeRequest.newBuilder()
                  .setVolumeId(pod.volumeId())
                  .setTargetPath(target(pod).toString())
                  .build());
    }

    @Override
    public void close() {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static boolean versionAnswers(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    ManagedChannel channel =
        NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
            .eventLoopGroup(group)
            .channelType(EpollDomainSocketChannel.class)
            .usePlaintext()
            .build();
    try {
      CSIDriverProviderGrpc.newBlockingStub(channel)
          .withDeadlineAfter(2, TimeUnit.SECONDS)
          .version(VersionRequest.newBuilder().setVersion("v1alpha1").build());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

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
      String text =
          HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + "/actuator/prometheus"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
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

  /** Waits for a condition (a bound for a hung run, not a timing check); failure shows the log. */
  static void await(RenderedService service, BooleanSupplier condition) {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
    while (!condition.getAsBoolean()) {
      if (!service.alive()) {
        throw new AssertionError(service.name + " exited:\n" + service.logText());
      }
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(service.name + " did not get there:\n" + service.logText());
      }
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
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

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
