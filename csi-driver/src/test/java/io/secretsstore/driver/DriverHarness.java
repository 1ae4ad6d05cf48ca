package io.secretsstore.driver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.api.model.storage.CSIDriverBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.secretsstore.driver.publish.MountedVolume;
import io.secretsstore.driver.publish.PublishException;
import io.secretsstore.driver.publish.VolumeService;
import io.secretsstore.driver.rotation.RotationScheduler;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.names.CsiNames;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceProcess;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Real parts for the driver's tests: OpenBao, the fabric8 mock API server (with TokenReview), the
 * real provider started from its jar, and the driver itself in this JVM (so a test can stop and
 * restart it). Store requests go through a counting proxy. Mounting tmpfs needs root.
 */
final class DriverHarness implements AutoCloseable {

  static final String NAMESPACE = "team-a";
  static final String ACCOUNT = "app";
  static final String ROLE = "app";

  /** The upstream driver's SecretProviderClass (served by the mock API as a generic resource). */
  static final ResourceDefinitionContext SPC =
      new ResourceDefinitionContext.Builder()
          .withGroup("secrets-store.csi.x-k8s.io")
          .withVersion("v1")
          .withKind("SecretProviderClass")
          .withPlural("secretproviderclasses")
          .withNamespaced(true)
          .build();

  final OpenBaoServer store = SharedStore.store();
  final KubernetesApiMock kubernetes = SharedStore.kubernetes();
  final StoreAdmin admin = store.admin();
  final RequestCountingProxy proxy;
  final String prefix = SharedStore.unique("drv");
  final String auth = SharedStore.unique("kube");

  /**
   * This build's own directory for test mounts: cleaned at every start, never shared with another
   * checkout running the same tests on this machine.
   */
  static final Path MOUNTS_BASE = Path.of("target", "csi-driver-it").toAbsolutePath();

  final Path root;
  final Path sockets;
  final Path providersDir;
  final Path podsDir;
  final Path csiSocket;
  private final ServiceProcess provider;
  private ConfigurableApplicationContext driver;
  private Kubelet kubelet;
  private final List<String> extraDriverProperties = new ArrayList<>();

  static void assumeRoot() {
    assumeTrue(
        "root".equals(System.getProperty("user.name")),
        "mounting tmpfs needs root (CI runs as root)");
  }

  /**
   * Publish-time sharing in the provider is bounded by freshness; a bound longer than any test lets
   * the tests assert exact store-read counts however slowly a loaded machine runs them. Rotation
   * shares by cycle, not by time, so it needs no such setting.
   */
  DriverHarness(String... driverProperties) throws IOException {
    this(List.of("--secrets-store.provider.coalesce-window=1h"), driverProperties);
  }

  /** With extra provider arguments, e.g. a different freshness bound. */
  DriverHarness(List<String> providerArguments, String... driverProperties) throws IOException {
    assumeRoot();
    extraDriverProperties.addAll(List.of(driverProperties));
    // A run that died (killed JVM, failed teardown) must not leave mounts for the next one.
    TestMounts.unmountAllUnder(MOUNTS_BASE);
    TestMounts.deleteTree(MOUNTS_BASE);
    root = Files.createTempDirectory(Files.createDirectories(MOUNTS_BASE), "run-");
    // Unix socket paths are limited to 107 bytes: keep them short, outside the build directory.
    sockets = Files.createTempDirectory("csi-it-");
    providersDir = Files.createDirectories(sockets.resolve("providers"));
    podsDir = Files.createDirectories(root.resolve("kubelet/pods"));
    csiSocket = sockets.resolve("csi/csi.sock");
    proxy = new RequestCountingProxy(store.address());
    admin.enableKubernetesAuth(auth, kubernetes.url());
    admin.writePolicy(prefix, List.of("secret/data/" + prefix + "/*"), "read");
    admin.createKubernetesRole(
        auth,
        ROLE,
        List.of(ACCOUNT),
        List.of(NAMESPACE),
        List.of(prefix),
        Duration.ofHours(1),
        Kubelet.AUDIENCE);
    Path providerSocket = providersDir.resolve("vault.sock");
    provider =
        ServiceProcess.startJar(
            Path.of(
                System.getProperty(
                    "provider.jar", "../csi-provider/target/csi-provider-0.1.0-SNAPSHOT.jar")),
            Stream.concat(
                    Stream.of(
                        "--secrets-store.provider.socket-dir=" + providersDir,
                        "--secrets-store.provider.object-version-key-file="
                            + root.resolve("provider-state/object-version.key"),
                        "--secrets-store.connection.url=" + proxy.address(),
                        "--secrets-store.connection.auth-path=" + auth,
                        "--server.port=0"),
                    providerArguments.stream())
                .toList(),
            () -> Files.exists(providerSocket),
            // A bound for a hung start, not a timing check: a loaded 2-core machine needs minutes.
            Duration.ofSeconds(240));
    System.setProperty("kubernetes.master", kubernetes.url());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    System.setProperty("kubernetes.namespace", "default");
    csiDriver(true);
    startDriver();
  }

  void startDriver() {
    List<String> properties =
        new ArrayList<>(
            List.of(
                "secrets-store.driver.endpoint=unix://" + csiSocket,
                "secrets-store.driver.node-id=node-1",
                "secrets-store.driver.providers-dir=" + providersDir,
                "secrets-store.driver.kubelet-pods-dir=" + podsDir,
                // The upstream node-driver-registrar mode; DriverJarIT covers self-registration.
                "secrets-store.driver.registration.enabled=false",
                "secrets-store.driver.rotation.enabled=false",
                // The mock API server shares this JVM; its per-request lines drown the driver's.
                "logging.level.io.fabric8.mockwebserver=WARN",
                "server.port=0"));
    properties.addAll(extraDriverProperties);
    // As command-line arguments: they win over application.yaml (default properties do not).
    driver =
        new SpringApplicationBuilder(DriverApplication.class)
            .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    kubelet = new Kubelet(csiSocket, podsDir);
  }

  /**
   * The driver's CSIDriver object in the mock API server as the chart writes it, with {@code
   * requiresRepublish} as given (the driver reads it at start).
   */
  void csiDriver(boolean requiresRepublish) {
    CSIDriver object =
        new CSIDriverBuilder()
            .withNewMetadata()
            .withName(CsiNames.DRIVER_NAME)
            .endMetadata()
            .withNewSpec()
            .withAttachRequired(false)
            .withPodInfoOnMount(true)
            .withVolumeLifecycleModes("Ephemeral")
            .withRequiresRepublish(requiresRepublish)
            .addNewTokenRequest()
            .withAudience(Kubelet.AUDIENCE)
            .withExpirationSeconds(600L)
            .endTokenRequest()
            .endSpec()
            .build();
    api().storage().v1().csiDrivers().resource(object).createOr(existing -> existing.update());
  }

  void stopDriver() {
    kubelet.close();
    driver.close();
  }

  Kubelet kubelet() {
    return kubelet;
  }

  <T> T bean(Class<T> type) {
    return driver.getBean(type);
  }

  /**
   * Waits until every event and status write queued so far has been sent: the writer is one thread
   * working in order, so a marker task queued now runs after all of them.
   */
  void drainKubernetesWrites() throws Exception {
    driver
        .getBean("kubernetesWrites", java.util.concurrent.ExecutorService.class)
        .submit(() -> {})
        .get(120, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** The body of {@code /actuator/health/<group>} (any status code). */
  String health(String group) throws Exception {
    int port = driver.getEnvironment().getProperty("local.server.port", Integer.class);
    try (java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient()) {
      return http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + port + "/actuator/health/" + group))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString())
          .body();
    }
  }

  RotationScheduler rotation() {
    return bean(RotationScheduler.class);
  }

  NamespacedKubernetesClient api() {
    return kubernetes.client();
  }

  String providerOutput() {
    return provider.output();
  }

  String token(String namespace, String account) {
    return kubernetes
        .tokens()
        .mint(namespace, account, List.of(Kubelet.AUDIENCE), Duration.ofHours(1));
  }

  String path(String name) {
    return "secret/data/" + prefix + "/" + name;
  }

  /** A file of a SecretsStoreImport: {@code key} of this harness' secret {@code secret}. */
  static SecretFile file(String name, String path, String key) {
    return new SecretFile(name, new SecretSource(path, key));
  }

  /** Creates (or replaces) a SecretsStoreImport in {@code namespace} for this harness' role. */
  SecretsStoreImport createImport(String namespace, String name, SecretFile... files) {
    SecretsStoreImportSpec spec = new SecretsStoreImportSpec();
    spec.setRole(ROLE);
    spec.setFiles(List.of(files));
    SecretsStoreImport ssi = new SecretsStoreImport();
    ssi.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    ssi.setSpec(spec);
    return api().resource(ssi).createOr(existing -> existing.update());
  }

  /**
   * Creates (or replaces) a SecretProviderClass in {@link #NAMESPACE} naming {@code provider} (the
   * upstream driver's volume attribute {@code secretProviderClass}).
   */
  void createClass(String name, String provider, Map<String, String> parameters) {
    GenericKubernetesResource spc =
        new GenericKubernetesResourceBuilder()
            .withApiVersion("secrets-store.csi.x-k8s.io/v1")
            .withKind("SecretProviderClass")
            .withNewMetadata()
            .withName(name)
            .withNamespace(NAMESPACE)
            .endMetadata()
            .withAdditionalProperties(
                Map.of("spec", Map.of("provider", provider, "parameters", parameters)))
            .build();
    api()
        .genericKubernetesResources(SPC)
        .inNamespace(NAMESPACE)
        .resource(spc)
        .createOr(existing -> existing.update());
  }

  /**
   * Unpublishes every volume the driver still knows and unmounts anything left below the pods
   * directory, so one failed test leaves nothing to the next.
   */
  void unpublishEverything() {
    if (driver != null && driver.isActive()) {
      for (MountedVolume volume : bean(VolumeService.class).mounted()) {
        try {
          bean(VolumeService.class).unpublish(volume.volumeId(), volume.target().toString());
        } catch (PublishException | RuntimeException e) {
          System.err.println("could not unpublish " + volume + ": " + e.getMessage());
        }
      }
    }
    TestMounts.unmountAllUnder(podsDir);
  }

  /** Runs every step even when an earlier one fails: a failed test must not leak mounts. */
  @Override
  public void close() {
    try {
      unpublishEverything();
    } finally {
      try {
        if (driver != null) {
          stopDriver();
        }
      } finally {
        try {
          provider.close();
          proxy.close();
        } finally {
          TestMounts.unmountAllUnder(root);
          TestMounts.deleteTree(root);
          TestMounts.deleteTree(sockets);
        }
      }
    }
  }
}
