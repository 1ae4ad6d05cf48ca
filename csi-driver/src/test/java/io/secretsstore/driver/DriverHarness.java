package io.secretsstore.driver;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.secretsstore.driver.rotation.RotationScheduler;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretSource;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.testkit.KubernetesApiMock;
import io.secretsstore.testkit.OpenBaoServer;
import io.secretsstore.testkit.RequestCountingProxy;
import io.secretsstore.testkit.ServiceAccountTokens;
import io.secretsstore.testkit.ServiceProcess;
import io.secretsstore.testkit.SharedStore;
import io.secretsstore.testkit.StoreAdmin;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  final OpenBaoServer store = SharedStore.store();
  final KubernetesApiMock kubernetes = SharedStore.kubernetes();
  final StoreAdmin admin = store.admin();
  final RequestCountingProxy proxy;
  final String prefix = SharedStore.unique("drv");
  final String auth = SharedStore.unique("kube");
  final Path root;
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

  DriverHarness(String... driverProperties) throws IOException {
    this(List.of("--secrets-store.provider.coalesce-window=1s"), driverProperties);
  }

  /** With extra provider arguments, e.g. a different coalescing window. */
  DriverHarness(List<String> providerArguments, String... driverProperties) throws IOException {
    assumeRoot();
    extraDriverProperties.addAll(List.of(driverProperties));
    root = Files.createTempDirectory("csi-driver-it");
    providersDir = Files.createDirectories(root.resolve("providers"));
    podsDir = Files.createDirectories(root.resolve("kubelet/pods"));
    csiSocket = root.resolve("csi/csi.sock");
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
        null);
    Path providerSocket = providersDir.resolve("vault.sock");
    provider =
        ServiceProcess.startJar(
            Path.of(
                System.getProperty(
                    "provider.jar", "../csi-provider/target/csi-provider-0.1.0-SNAPSHOT.jar")),
            Stream.concat(
                    Stream.of(
                        "--secrets-store.provider.socket-dir=" + providersDir,
                        "--secrets-store.connection.url=" + proxy.address(),
                        "--secrets-store.connection.auth-path=" + auth,
                        "--server.port=0"),
                    providerArguments.stream())
                .toList(),
            () -> Files.exists(providerSocket),
            Duration.ofSeconds(60));
    System.setProperty("kubernetes.master", kubernetes.url());
    System.setProperty("kubernetes.auth.tryKubeConfig", "false");
    System.setProperty("kubernetes.auth.tryServiceAccount", "false");
    System.setProperty("kubernetes.namespace", "default");
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
        .mint(
            namespace,
            account,
            List.of(ServiceAccountTokens.DEFAULT_AUDIENCE),
            Duration.ofHours(1));
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

  @Override
  public void close() {
    if (driver != null) {
      stopDriver();
    }
    provider.close();
    proxy.close();
  }
}
