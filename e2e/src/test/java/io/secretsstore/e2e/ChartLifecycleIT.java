package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.e2e.chart.Rollout;
import io.secretsstore.e2e.cluster.HostMounts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The last class of the run: {@code helm upgrade} with changed values, then {@code helm uninstall},
 * leave no orphans (a second CSIDriver or webhook configuration, mounts, the chart's cluster-wide
 * objects).
 */
@ExtendWith(E2eSystem.class)
@Order(Integer.MAX_VALUE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartLifecycleIT {

  private static final String LABEL = "app.kubernetes.io/instance";

  @Test
  @Order(1)
  void anUpgradeChangesTheInstallationInPlace(InstalledSystem system) {
    system
        .upgradeChart(
            """
            csiDriver:
              rotation:
                interval: 30s
            webhook:
              timeoutSeconds: 15
            """)
        .orThrow();

    KubernetesClient client = system.cluster().client();
    assertThat(client.storage().v1().csiDrivers().list().getItems())
        .extracting(d -> d.getMetadata().getName())
        .containsExactly("secrets-store.csi.deckhouse.io");
    var webhooks =
        client
            .admissionRegistration()
            .v1()
            .mutatingWebhookConfigurations()
            .withLabel(LABEL)
            .list()
            .getItems();
    assertThat(webhooks).hasSize(1);
    assertThat(webhooks.getFirst().getWebhooks())
        .allSatisfy(w -> assertThat(w.getTimeoutSeconds()).isEqualTo(15));
    // helm's --wait counts a DaemonSet with maxUnavailable 1 of 1 as ready while its only pod is
    // replaced; what the user needs is every daemon and deployment rolled out and ready again.
    Rollout.await(client, InstalledSystem.MODULE_NAMESPACE, Duration.ofMinutes(5));
    assertThat(
            client
                .apps()
                .daemonSets()
                .inNamespace(InstalledSystem.MODULE_NAMESPACE)
                .list()
                .getItems())
        .hasSize(2);
  }

  @Test
  @Order(2)
  void uninstallLeavesNoOrphans(InstalledSystem system) throws Exception {
    KubernetesClient client = system.cluster().client();
    // Tenant pods go first, as an operator drains workloads before removing the module: their
    // volumes are unpublished while the driver still runs. A graceful delete, because kubelet
    // removes a pod from the API only once its volumes are torn down; a forced one (grace 0) is
    // gone
    // at once, and an uninstall right after it leaves the CSI mounts to a driver that no longer
    // runs.
    List<String> tenants =
        client.namespaces().list().getItems().stream()
            .map(n -> n.getMetadata().getName())
            .filter(n -> !n.startsWith("kube-") && !n.equals(InstalledSystem.MODULE_NAMESPACE))
            .toList();
    for (String namespace : tenants) {
      client.pods().inNamespace(namespace).delete();
    }
    for (String namespace : tenants) {
      awaitNoPods(client, namespace);
    }

    system.uninstallChart().orThrow();

    assertThat(client.storage().v1().csiDrivers().list().getItems()).isEmpty();
    assertThat(
            client.admissionRegistration().v1().mutatingWebhookConfigurations().list().getItems())
        .isEmpty();
    assertThat(client.rbac().clusterRoles().withLabel(LABEL).list().getItems()).isEmpty();
    assertThat(client.rbac().clusterRoleBindings().withLabel(LABEL).list().getItems()).isEmpty();
    awaitNoPods(client, InstalledSystem.MODULE_NAMESPACE);
    Path podsDir = system.cluster().kubeletRoot().resolve("pods");
    List<String> ourMounts =
        HostMounts.under(podsDir).stream()
            .map(HostMounts.Mount::mountPoint)
            .filter(mountPoint -> mountPoint.contains("kubernetes.io~csi"))
            .toList();
    assertThat(ourMounts).isEmpty();
    assertThat(Files.exists(system.cluster().dir().resolve("providers/vault.sock"))).isFalse();
  }

  private static void awaitNoPods(KubernetesClient client, String namespace)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (!client.pods().inNamespace(namespace).list().getItems().isEmpty()) {
      assertThat(Instant.now()).as("pods of " + namespace + " gone").isBefore(deadline);
      Thread.sleep(1000);
    }
  }
}
