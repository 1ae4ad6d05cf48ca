package io.secretsstore.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.secretsstore.model.csi.v1.GetPluginInfoRequest;
import io.secretsstore.model.csi.v1.IdentityGrpc;
import io.secretsstore.model.csi.v1.NodeGetInfoRequest;
import io.secretsstore.model.csi.v1.NodeGrpc;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.model.pluginregistration.v1.InfoRequest;
import io.secretsstore.model.pluginregistration.v1.PluginInfo;
import io.secretsstore.model.pluginregistration.v1.RegistrationGrpc;
import io.secretsstore.model.pluginregistration.v1.RegistrationStatus;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.NonRootJar;
import io.secretsstore.testkit.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The driver's jar as the DaemonSet starts it: the node name only from the environment ({@code
 * NODE_NAME}), kubelet's root as the one path setting, every other path derived. This test plays
 * kubelet's plugin watcher: it finds the registration socket, asks {@code GetInfo}, calls the
 * advertised CSI socket and reports the registration status, and reads the driver's own health.
 */
class DriverJarIT {

  static final Path JAR =
      Path.of(System.getProperty("driver.jar", "target/csi-driver-0.1.0-SNAPSHOT.jar"));

  static KubernetesApiMock kubernetes;

  @BeforeAll
  static void start() {
    kubernetes = new KubernetesApiMock();
  }

  @AfterAll
  static void stop() {
    kubernetes.close();
  }

  /** The environment a pod of the chart's DaemonSet has, Kubernetes access aside. */
  static Map<String, String> environment(String nodeName) {
    Map<String, String> environment = new HashMap<>();
    environment.put("NODE_NAME", nodeName);
    environment.put("DRIVER_HTTP_PORT", "0");
    // Stands in for the in-cluster service account.
    environment.put("KUBERNETES_MASTER", kubernetes.url());
    environment.put("KUBERNETES_AUTH_TRYKUBECONFIG", "false");
    environment.put("KUBERNETES_AUTH_TRYSERVICEACCOUNT", "false");
    return environment;
  }

  @Test
  void registersWithKubeletAndAnswersAsTheNodeNamedByTheEnvironment() throws Exception {
    Path kubeletRoot = Files.createTempDirectory("kubelet-");
    Path registrationSocket =
        kubeletRoot.resolve("plugins_registry/" + CsiNames.DRIVER_NAME + "-reg.sock");
    Path csiSocket = kubeletRoot.resolve("plugins/" + CsiNames.DRIVER_NAME + "/csi.sock");
    try (ServiceProcess driver =
            ServiceProcess.startJar(
                JAR,
                List.of("--secrets-store.driver.kubelet-root=" + kubeletRoot),
                environment("worker-7"),
                () -> Files.exists(registrationSocket),
                Duration.ofSeconds(240));
        Client registration = new Client(registrationSocket)) {
      PluginInfo info =
          RegistrationGrpc.newBlockingStub(registration.channel)
              .withDeadlineAfter(30, TimeUnit.SECONDS)
              .getInfo(InfoRequest.getDefaultInstance());
      assertThat(info.getType()).isEqualTo("CSIPlugin");
      assertThat(info.getName()).isEqualTo(CsiNames.DRIVER_NAME);
      assertThat(info.getEndpoint()).isEqualTo(csiSocket.toString());
      assertThat(info.getSupportedVersionsList()).containsExactly("1.0.0");

      // What kubelet does with the endpoint before it reports success.
      try (Client csi = new Client(Path.of(info.getEndpoint()))) {
        assertThat(
                IdentityGrpc.newBlockingStub(csi.channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .getPluginInfo(GetPluginInfoRequest.getDefaultInstance())
                    .getName())
            .isEqualTo(CsiNames.DRIVER_NAME);
        assertThat(
                NodeGrpc.newBlockingStub(csi.channel)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance())
                    .getNodeId())
            .isEqualTo("worker-7");
      }
      int port = httpPort(driver);
      assertThat(health(port, "liveness")).startsWith("200 ").contains("\"kubelet\":\"not yet\"");

      notify(registration, RegistrationStatus.newBuilder().setPluginRegistered(true).build());
      assertThat(health(port, "liveness"))
          .startsWith("200 ")
          .contains("\"kubelet\":\"registered\"")
          .contains("csiSocket");

      // kubelet refused: the liveness probe restarts the driver, which registers again.
      notify(
          registration,
          RegistrationStatus.newBuilder()
              .setPluginRegistered(false)
              .setError("version 2.0 is not supported")
              .build());
      assertThat(health(port, "liveness"))
          .startsWith("503 ")
          .contains("kubelet refused the registration: version 2.0 is not supported");
      assertThat(driver.output()).contains("kubelet did not register CSI driver");
    }
    // Stopped: nothing left for kubelet's plugin watcher to find.
    assertThat(registrationSocket).doesNotExist();
    TestMounts.deleteTree(kubeletRoot);
  }

  /**
   * On a node kubelet creates the providers hostPath root:root 0755, where our provider (uid/gid
   * 65532 in the chart) cannot bind. The driver, root, makes it root:65532 0770 at start; the
   * provider waits until then, binds, and the driver reaches it (its readiness calls {@code
   * Version}).
   */
  @Test
  void nonRootProviderBindsOnceTheDriverPreparedTheProvidersDirectory() throws Exception {
    Path kubeletRoot = Files.createTempDirectory("kubelet-");
    Files.setPosixFilePermissions(kubeletRoot, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path providers = Files.createDirectory(kubeletRoot.resolve("providers"));
    Files.setPosixFilePermissions(providers, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path providerSocket = providers.resolve("vault.sock");
    // The chart's emptyDir "state" of the provider pod: its object-version key goes there.
    Path providerState = Files.createDirectory(kubeletRoot.resolve("provider-state"));
    Files.setAttribute(providerState, "unix:uid", NonRootJar.UID);
    Files.setPosixFilePermissions(providerState, PosixFilePermissions.fromString("rwx------"));
    try (NonRootJar provider =
        NonRootJar.start(
            Path.of(
                System.getProperty(
                    "provider.jar", "../csi-provider/target/csi-provider-0.1.0-SNAPSHOT.jar")),
            List.of(
                "--secrets-store.provider.socket-dir=" + providers,
                "--secrets-store.provider.object-version-key-file="
                    + providerState.resolve("object-version.key"),
                "--server.port=0",
                "--secrets-store.connection.url=http://127.0.0.1:1"))) {
      await()
          .atMost(Duration.ofSeconds(240))
          .until(() -> provider.output().contains("is not writable for uid 65532"));
      assertThat(providerSocket).doesNotExist();
      try (ServiceProcess driver =
          ServiceProcess.startJar(
              JAR,
              List.of(
                  "--secrets-store.driver.kubelet-root=" + kubeletRoot,
                  "--secrets-store.driver.providers-dir=" + providers,
                  "--secrets-store.driver.providers-group-id=65532",
                  "--secrets-store.driver.registration.enabled=false"),
              environment("worker-8"),
              () ->
                  Files.exists(
                      kubeletRoot.resolve("plugins/" + CsiNames.DRIVER_NAME + "/csi.sock")),
              Duration.ofSeconds(240))) {
        assertThat(Files.getAttribute(providers, "unix:uid")).isEqualTo(0);
        assertThat(Files.getAttribute(providers, "unix:gid")).isEqualTo(65532);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(providers)))
            .isEqualTo("rwxrwx---");
        int port = httpPort(driver);
        await()
            .atMost(Duration.ofSeconds(240))
            .until(() -> health(port, "readiness").startsWith("200 "));
        assertThat(health(port, "readiness")).contains("\"provider\"");
        assertThat(Files.getAttribute(providerSocket, "unix:uid", LinkOption.NOFOLLOW_LINKS))
            .isEqualTo(NonRootJar.UID);
        assertThat(provider.output())
            .contains("Provider socket " + providerSocket + " can be bound now");
      }
    } finally {
      TestMounts.deleteTree(kubeletRoot);
    }
  }

  @Test
  void withoutTheNodeNameTheDriverStopsAndSaysWhatIsMissing() throws Exception {
    Path kubeletRoot = Files.createTempDirectory("kubelet-");
    Map<String, String> environment = environment("unused");
    environment.put("NODE_NAME", null);
    assertThatThrownBy(
            () ->
                ServiceProcess.startJar(
                        JAR,
                        List.of(
                            "--secrets-store.driver.kubelet-root=" + kubeletRoot,
                            "--secrets-store.driver.registration.enabled=false"),
                        environment,
                        () -> false,
                        Duration.ofSeconds(240))
                    .close())
        .hasMessageContaining("exited with")
        .hasMessageContaining("secrets-store.driver.node-id is not set")
        .hasMessageContaining("NODE_NAME");
    TestMounts.deleteTree(kubeletRoot);
  }

  private static void notify(Client registration, RegistrationStatus status) {
    RegistrationGrpc.newBlockingStub(registration.channel)
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .notifyRegistrationStatus(status);
  }

  /** Spring Boot logs the port it bound when asked for port 0. */
  private static int httpPort(ServiceProcess driver) {
    Pattern started = Pattern.compile("Management HTTP server started on port (\\d+)");
    await().atMost(Duration.ofSeconds(60)).until(() -> started.matcher(driver.output()).find());
    Matcher matcher = started.matcher(driver.output());
    matcher.find();
    return Integer.parseInt(matcher.group(1));
  }

  private static String health(int port, String group) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + "/actuator/health/" + group))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return response.statusCode() + " " + response.body();
    }
  }

  /** A gRPC client on a unix socket, as kubelet dials plugins. */
  static final class Client implements AutoCloseable {
    final MultiThreadIoEventLoopGroup group =
        new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final ManagedChannel channel;

    Client(Path socket) {
      channel =
          NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toFile()))
              .eventLoopGroup(group)
              .channelType(EpollDomainSocketChannel.class)
              .usePlaintext()
              .build();
    }

    @Override
    public void close() {
      channel.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
