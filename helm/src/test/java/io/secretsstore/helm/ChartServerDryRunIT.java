package io.secretsstore.helm;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every object the chart renders, in every profile, is accepted by a real kube-apiserver (v1.34,
 * etcd + apiserver of tools/cluster in control-plane-only mode): a server-side dry run checks the
 * schemas, defaults, immutable-field rules and admission (priority classes, namespaces). Our CRDs
 * are installed first, as helm does; cert-manager and prometheus-operator objects are checked
 * against stand-in CRDs (src/test/resources/crds: kind and scope only).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChartServerDryRunIT {

  Path clusterDir;
  KubernetesClient client;

  @BeforeAll
  void startApiServer() throws Exception {
    Path script = Helm.projectRoot().resolve("tools/cluster/cluster.sh");
    assertThat(script).as("the cluster tool of the e2e tier").exists();
    Path target = Path.of(System.getProperty("build.dir", "target"));
    Files.createDirectories(target);
    clusterDir = Files.createTempDirectory(target, "dry-run-cluster-");
    Helm.Result up = cluster(script, "up", "--control-plane-only");
    assertThat(up.exitCode()).as(up.stderr()).isZero();
    Path kubeconfig = clusterDir.resolve("kubeconfig");
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build();

    List<HasMetadata> crds = new ArrayList<>();
    try (var files = Files.list(Helm.chartDir().resolve("crds"))) {
      for (Path crd : files.sorted().toList()) {
        crds.addAll(RenderedChart.parse(Files.readString(crd)).objects);
      }
    }
    crds.addAll(
        RenderedChart.parse(
                Files.readString(
                    Path.of(
                        ChartServerDryRunIT.class.getResource("/crds/stand-in-crds.yaml").toURI())))
            .objects);
    for (HasMetadata crd : crds) {
      client.resource(crd).create();
    }
    for (HasMetadata crd : crds) {
      client
          .resources(CustomResourceDefinition.class)
          .withName(crd.getMetadata().getName())
          .waitUntilCondition(
              c ->
                  c.getStatus() != null
                      && c.getStatus().getConditions().stream()
                          .anyMatch(
                              k ->
                                  k.getType().equals("Established")
                                      && k.getStatus().equals("True")),
              60,
              TimeUnit.SECONDS);
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(Helm.NAMESPACE).endMetadata().build())
        .create();
  }

  @AfterAll
  void stopApiServer() throws Exception {
    if (client != null) {
      client.close();
    }
    if (clusterDir != null) {
      Helm.Result down = cluster(Helm.projectRoot().resolve("tools/cluster/cluster.sh"), "down");
      assertThat(down.exitCode()).as(down.stderr()).isZero();
    }
  }

  Helm.Result cluster(Path script, String... args) {
    List<String> command =
        new ArrayList<>(List.of("env", "CLUSTER_DIR=" + clusterDir, script.toString()));
    command.addAll(List.of(args));
    return Helm.run(command, Helm.projectRoot(), 10);
  }

  @ParameterizedTest
  @EnumSource(Profile.class)
  void everyRenderedObjectIsAcceptedByTheApiServer(Profile profile) {
    RenderedChart chart = RenderedChart.render(profile);
    List<String> refused = new ArrayList<>();
    for (HasMetadata object : chart.objects) {
      try {
        client.resource(object).dryRun().create();
      } catch (KubernetesClientException e) {
        refused.add(
            object.getKind()
                + "/"
                + object.getMetadata().getName()
                + ": "
                + e.getStatus().getMessage());
      }
    }
    assertThat(refused).as(profile + ": refused objects").isEmpty();
    assertThat(chart.objects).hasSizeGreaterThan(10);
  }
}
