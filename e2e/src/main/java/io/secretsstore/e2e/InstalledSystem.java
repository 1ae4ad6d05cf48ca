package io.secretsstore.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.chart.HelmChart;
import io.secretsstore.e2e.chart.Images;
import io.secretsstore.e2e.chart.Rollout;
import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.RealCluster;
import io.secretsstore.e2e.cluster.RepoLayout;
import io.secretsstore.e2e.registry.LoopbackRegistry;
import io.secretsstore.e2e.sandbox.Progress;
import io.secretsstore.e2e.store.SeedStore;
import io.secretsstore.e2e.store.StoreAudit;
import io.secretsstore.e2e.store.StoreGate;
import io.secretsstore.testkit.LoopbackPorts;
import io.secretsstore.testkit.TestCertificateAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole system on the real cluster, installed as a user installs it: a real OpenBao set up like
 * the module's documentation ({@link SeedStore}), the e2e cluster ({@link RealCluster}), our images
 * imported into its containerd, and our chart installed with helm with the values a user would
 * write for a Manual connection to that store. Used by the e2e suite and the sandbox.
 */
public final class InstalledSystem implements AutoCloseable {

  public static final String RELEASE = "secrets-store";
  public static final String MODULE_NAMESPACE = "d8-secrets-store-integration";

  /** The chart's default audience of every token sent to the store. */
  public static final String STORE_AUDIENCE = "secrets-store";

  private static final String REVIEWER_NAMESPACE = "secrets-store-e2e-store";
  private static final String REVIEWER = "openbao-token-reviewer";

  private final RepoLayout repo;
  private final Path workDir;
  private final RealCluster cluster;
  private final SeedStore store;
  private final StoreGate gate;
  private final LoopbackRegistry registry;
  private final String entrypointImage;
  private final HelmChart chart;
  private final Ports ports;
  private final TestCertificateAuthority webhookCa;
  private final TestCertificateAuthority.IssuedCertificate webhookCertificate;
  private boolean chartInstalled;
  private StoreAudit audit;

  /** Free loopback ports for the chart's host-network pods. */
  public record Ports(int webhookHttps, int webhookHttp, int controller, int driver, int provider) {
    static Ports pick() {
      return new Ports(
          LoopbackPorts.free(),
          LoopbackPorts.free(),
          LoopbackPorts.free(),
          LoopbackPorts.free(),
          LoopbackPorts.free());
    }
  }

  private InstalledSystem(
      RepoLayout repo,
      Path workDir,
      RealCluster cluster,
      SeedStore store,
      StoreGate gate,
      LoopbackRegistry registry,
      String entrypointImage) {
    this.repo = repo;
    this.workDir = workDir;
    this.cluster = cluster;
    this.store = store;
    this.gate = gate;
    this.registry = registry;
    this.entrypointImage = entrypointImage;
    this.chart = new HelmChart(repo, cluster, workDir);
    this.ports = Ports.pick();
    this.webhookCa = new TestCertificateAuthority("secrets-store-e2e-webhook-ca");
    this.webhookCertificate = webhookCa.issueLoopbackServer();
  }

  /** Starts everything; on failure stops what was started. */
  public static InstalledSystem start(RepoLayout repo, Path workDir, Progress progress) {
    return start(repo, workDir, progress, true);
  }

  /**
   * Starts the cluster and the store; with {@code withChart} also imports our images and installs
   * the chart (without it, tests of the cluster and the store alone can run before images exist).
   */
  public static InstalledSystem start(
      RepoLayout repo, Path workDir, Progress progress, boolean withChart) {
    java.util.List<Path> images = withChart ? Images.tarballs(repo) : java.util.List.of();
    RealCluster cluster =
        progress.run(
            "starting the cluster (builds its binaries the first time: ~15-25 min, then cached)",
            () -> RealCluster.up(repo, workDir.resolve("cluster"), false));
    SeedStore store = null;
    StoreGate gate = null;
    LoopbackRegistry registry = null;
    try {
      String entrypointImage = null;
      if (withChart) {
        progress.run("importing our images into the node", () -> cluster.loadImages(images));
        registry =
            progress.run(
                "starting a loopback registry (images without a pod command)",
                () -> LoopbackRegistry.start(repo, workDir.resolve("registry")));
        entrypointImage = pushEntrypointImage(cluster, registry);
      }
      store =
          progress.run(
              "starting OpenBao (TLS on 127.0.0.1) set up like the module's test store",
              () -> SeedStore.start(workDir.resolve("store")));
      gate = new StoreGate(URI.create(store.address()).getPort());
      InstalledSystem system =
          new InstalledSystem(repo, workDir, cluster, store, gate, registry, entrypointImage);
      progress.run(
          "pointing the store's kubernetes auth (" + store.authPath() + ") at this cluster",
          system::configureStore);
      progress.run("creating namespace my-namespace and service account myapp", system::tenant);
      if (withChart) {
        progress.run("installing our chart with helm", system::installChart);
        system.chartInstalled = true;
      }
      return system;
    } catch (RuntimeException e) {
      if (registry != null) {
        registry.close();
      }
      if (gate != null) {
        gate.close();
      }
      if (store != null) {
        store.close();
      }
      cluster.close();
      throw e;
    }
  }

  /**
   * The cluster's entrypoint test image (an ENTRYPOINT and CMD, see tools/cluster/images.sh) in the
   * registry, and in the node under the same name so the kubelet never pulls it.
   */
  private static String pushEntrypointImage(RealCluster cluster, LoopbackRegistry registry) {
    Path tar = cluster.dir().resolve("images/entrypoint.tar");
    String name = registry.push(tar, "e2e/entrypoint", "1");
    cluster.loadImage(tar, registry.host() + "/e2e/entrypoint");
    return name;
  }

  private void configureStore() {
    audit = StoreAudit.of(store);
    KubernetesClient client = cluster.client();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(REVIEWER_NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    client
        .serviceAccounts()
        .inNamespace(REVIEWER_NAMESPACE)
        .resource(
            new ServiceAccountBuilder().withNewMetadata().withName(REVIEWER).endMetadata().build())
        .serverSideApply();
    client
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(REVIEWER)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", "system:auth-delegator")
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName(REVIEWER)
                .withNamespace(REVIEWER_NAMESPACE)
                .endSubject()
                .build())
        .serverSideApply();
    String reviewerJwt =
        client
            .serviceAccounts()
            .inNamespace(REVIEWER_NAMESPACE)
            .withName(REVIEWER)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withAudiences(cluster.apiAudience())
                    .withExpirationSeconds(48L * 3600)
                    .endSpec()
                    .build())
            .getStatus()
            .getToken();
    store.configure(cluster, reviewerJwt, STORE_AUDIENCE);
  }

  private void tenant() {
    KubernetesClient client = cluster.client();
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SeedStore.NAMESPACE)
                .endMetadata()
                .build())
        .serverSideApply();
    client
        .serviceAccounts()
        .inNamespace(SeedStore.NAMESPACE)
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(SeedStore.SERVICE_ACCOUNT)
                .endMetadata()
                .build())
        .serverSideApply();
  }

  /** The values a user writes for a Manual connection, plus what this one-node cluster needs. */
  public Map<String, Object> values() {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("connectionConfiguration", "Manual");
    values.put(
        "connection",
        Map.of("url", gate.address(), "caCert", store.caPem(), "authPath", store.authPath()));
    values.put("tokenAudience", STORE_AUDIENCE);
    // A hardened install: only the module's own store may receive tokens.
    values.put("allowedStoreAddresses", java.util.List.of(gate.address()));
    // What stands in for a multi-node cluster: host network, node paths under the cluster's dir.
    values.put("hostNetwork", true);
    values.put("kubeletDir", cluster.kubeletRoot().toString());
    values.put("providersDir", cluster.dir().resolve("providers").toString());
    values.put(
        "csiDriver", Map.of("httpPort", ports.driver(), "rotation", Map.of("interval", "15s")));
    values.put("csiProvider", Map.of("httpPort", ports.provider()));
    // One node, host network: a surge pod could not bind the old pod's ports.
    Map<String, Object> oneNodeStrategy =
        Map.of(
            "type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 0, "maxUnavailable", 1));
    values.put(
        "controller",
        Map.of(
            "replicas",
            1,
            "httpPort",
            ports.controller(),
            "updateStrategy",
            oneNodeStrategy,
            // The opt-in Secret mode, for the seed namespace only (SecretSyncIT).
            "secretSync",
            Map.of("enabled", true, "namespaces", java.util.List.of(SeedStore.NAMESPACE))));
    values.put(
        "webhook",
        Map.of(
            "replicas",
            1,
            "updateStrategy",
            oneNodeStrategy,
            "httpsPort",
            ports.webhookHttps(),
            "httpPort",
            ports.webhookHttp(),
            "clientConfig",
            Map.of("url", "https://127.0.0.1:" + ports.webhookHttps() + "/mutate-pods"),
            "registry",
            Map.of(
                "insecureRegistries",
                registry == null ? java.util.List.of() : java.util.List.of(registry.host())),
            "certificate",
            Map.of(
                "mode",
                "provided",
                "provided",
                Map.of(
                    "crt", webhookCertificate.certificatePem(),
                    "key", webhookCertificate.privateKeyPem(),
                    "ca", webhookCa.certificatePem()))));
    return values;
  }

  public String valuesYaml() {
    try {
      return new ObjectMapper(new YAMLFactory()).writeValueAsString(values());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void installChart() {
    chart.install(RELEASE, MODULE_NAMESPACE, valuesYaml()).orThrow();
    Rollout.await(cluster.client(), MODULE_NAMESPACE, java.time.Duration.ofMinutes(5));
  }

  /** {@code helm upgrade} with the installed values plus {@code overrides} (YAML). */
  public Command.Result upgradeChart(String overridesYaml) {
    return chart.upgrade(RELEASE, MODULE_NAMESPACE, valuesYaml(), overridesYaml);
  }

  /** {@code helm uninstall}; the system is then without our chart. */
  public Command.Result uninstallChart() {
    Command.Result result = chart.uninstall(RELEASE, MODULE_NAMESPACE);
    if (result.ok()) {
      chartInstalled = false;
    }
    return result;
  }

  public RealCluster cluster() {
    return cluster;
  }

  public SeedStore store() {
    return store;
  }

  /** What the store received (its audit log). */
  public StoreAudit audit() {
    return audit;
  }

  public StoreGate gate() {
    return gate;
  }

  /**
   * {@code 127.0.0.1:<port>/e2e/entrypoint:1}: an image with ENTRYPOINT {@code e2e-entrypoint} and
   * CMD {@code from-image-cmd} in the loopback registry (and on the node), which prints its
   * arguments and {@code $GREETING}.
   */
  public String entrypointImage() {
    if (entrypointImage == null) {
      throw new IllegalStateException("the registry runs only with the chart installed");
    }
    return entrypointImage;
  }

  public HelmChart chart() {
    return chart;
  }

  public Ports ports() {
    return ports;
  }

  public Path workDir() {
    return workDir;
  }

  public RepoLayout repo() {
    return repo;
  }

  public Command.Result kubectl(String... args) {
    return cluster.kubectl(args);
  }

  @Override
  public void close() {
    if (chartInstalled) {
      Command.Result uninstall = chart.uninstall(RELEASE, MODULE_NAMESPACE);
      if (!uninstall.ok()) {
        System.err.println("helm uninstall failed: " + uninstall.stderr());
      }
    }
    if (registry != null) {
      registry.close();
    }
    gate.close();
    store.close();
    cluster.close();
  }
}
