package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The csi-driver and csi-provider pods are deleted while volumes are mounted (an upgrade or a crash
 * does the same): the pods keep their files, and rotation resumes with the new daemons.
 */
@ExtendWith(E2eSystem.class)
class NodeDaemonRestartIT {

  private static final String NS = SeedStore.NAMESPACE;

  @Test
  void mountedVolumesSurviveARestartOfBothDaemonsAndRotationResumes(InstalledSystem system) {
    Pods pods = new Pods(system.cluster());
    String before = SuiteSecrets.value("before-restart");
    String after = SuiteSecrets.value("after-restart");
    system.store().putTestSecret("restart", Map.of("password", before));
    pods.apply(Manifests.importOf(NS, "restart", "password", "restart", "password"));
    pods.apply(Manifests.podWithImport(NS, "restart", "myapp", "restart", "true"));
    pods.awaitReady(NS, "restart", Duration.ofMinutes(3));

    for (String component : List.of("csi-driver", "csi-provider")) {
      restart(system, component);
    }

    assertThat(pods.exec(NS, "restart", "cat", "/mnt/secrets/password").orThrow().stdout())
        .isEqualTo(before);
    system.store().putTestSecret("restart", Map.of("password", after));
    Instant deadline = Instant.now().plus(Duration.ofMinutes(4));
    String content = "";
    while (Instant.now().isBefore(deadline) && !content.equals(after)) {
      content = pods.exec(NS, "restart", "cat", "/mnt/secrets/password").orThrow().stdout();
      sleep();
    }
    assertThat(content).isEqualTo(after);
    pods.delete(NS, "restart");
  }

  private static void restart(InstalledSystem system, String component) {
    var client = system.cluster().client();
    var selected =
        client
            .pods()
            .inNamespace(InstalledSystem.MODULE_NAMESPACE)
            .withLabel("app.kubernetes.io/component", component);
    List<String> before =
        selected.list().getItems().stream().map(p -> p.getMetadata().getUid()).toList();
    assertThat(before).isNotEmpty();
    selected.delete();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (true) {
      List<Pod> now = selected.list().getItems();
      boolean oldGone = now.stream().noneMatch(p -> before.contains(p.getMetadata().getUid()));
      if (oldGone && !now.isEmpty() && now.stream().allMatch(NodeDaemonRestartIT::ready)) {
        return;
      }
      assertThat(Instant.now()).as(component + " back and ready").isBefore(deadline);
      sleep();
    }
  }

  private static boolean ready(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static void sleep() {
    try {
      Thread.sleep(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
