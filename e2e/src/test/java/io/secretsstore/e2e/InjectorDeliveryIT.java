package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.secretsstore.e2e.cluster.HostMounts;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The injector's csi delivery, the chart's default ({@code webhook.injector.delivery: auto}): the
 * node's csi-driver mounts the injector bundle its image carries into the pod, read-only, nosuid,
 * nodev, at kubelet's target on the host. No init container, no emptyDir, nothing copied per pod,
 * the application still gets its secrets, and a graceful delete unmounts the bundle and lets the
 * pod go.
 */
@ExtendWith(E2eSystem.class)
class InjectorDeliveryIT {

  private static final String NS = SeedStore.NAMESPACE;
  private static final String POD = "csi-delivered";

  @Test
  void theInjectorIsMountedFromTheNodesDriverAndNothingIsCopiedIntoThePod(InstalledSystem system) {
    Pods pods = new Pods(system.cluster());
    String value = SuiteSecrets.value("delivery");
    system.store().putTestSecret("delivery", Map.of("password", value));
    pods.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: %s
          namespace: %s
          annotations:
            secrets-store.deckhouse.io/role: myapp
        spec:
          serviceAccountName: myapp
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "echo PASSWORD=$PASSWORD; grep ' /secrets-store/injector ' /proc/self/mounts; exec sleep 36000"]
            env:
            - name: PASSWORD
              value: secrets-store:secret/data/e2e/delivery#password
        """
            .formatted(POD, NS, Manifests.IMAGE));

    try {
      pods.awaitReady(NS, POD, Duration.ofMinutes(3));
    } catch (RuntimeException notReady) {
      throw new AssertionError(
          "the pod did not start:\n"
              + system.cluster().kubectl("describe", "pod", "-n", NS, POD).stdout()
              + "\nthe driver's log:\n"
              + driverLog(system),
          notReady);
    }
    String log =
        pods.awaitLogs(NS, POD, l -> l.contains("/secrets-store/injector"), Duration.ofMinutes(1));

    assertThat(log.lines()).as("the app got its resolved env").contains("PASSWORD=" + value);
    String mountLine =
        log.lines().filter(l -> l.contains(" /secrets-store/injector ")).findFirst().orElseThrow();
    // Inside the container the runtime's own bind mount of the volume shows: read-only.
    assertThat(List.of(mountLine.split(" ")[3].split(","))).contains("ro");

    // Nothing copied per pod: no init container, no emptyDir; the only injector volume is the
    // driver's read-only inline volume with the bundle.
    Pod pod = pods.get(NS, POD);
    assertThat(pod.getSpec().getInitContainers()).as("no init container copies anything").isEmpty();
    assertThat(pod.getSpec().getVolumes()).noneMatch(v -> v.getEmptyDir() != null);
    Volume bundle =
        pod.getSpec().getVolumes().stream()
            .filter(v -> v.getCsi() != null)
            .filter(v -> "secrets-store.csi.deckhouse.io".equals(v.getCsi().getDriver()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no injector CSI volume in " + pod.getSpec()));
    assertThat(bundle.getCsi().getReadOnly()).isTrue();
    assertThat(bundle.getCsi().getVolumeAttributes()).containsEntry("injectorBundle", "v1");

    // kubelet's target on the host, where the runtime binds the volume from: the driver's mount
    // arrives here through the Bidirectional kubelet directory with its flags.
    Path podDir =
        system.cluster().kubeletRoot().resolve("pods").resolve(pod.getMetadata().getUid());
    Path target =
        podDir.resolve("volumes/kubernetes.io~csi").resolve(bundle.getName()).resolve("mount");
    List<HostMounts.Mount> atTarget =
        HostMounts.under(target).stream()
            .filter(m -> m.mountPoint().equals(target.toString()))
            .toList();
    assertThat(atTarget).as("one mount at " + target).hasSize(1);
    assertThat(atTarget.getFirst().options())
        .as("the host's mount at kubelet's target")
        .contains("ro", "nosuid", "nodev")
        .doesNotContain("rw");
    assertThat(HostMounts.under(podDir.resolve("volumes/kubernetes.io~empty-dir")))
        .as("no in-memory volume for the pod")
        .isEmpty();

    // A graceful delete: kubelet removes the pod only after the driver unmounted the bundle and
    // kubelet removed the target (the wait is a deadline, not a measured window).
    var client = system.cluster().client();
    client.pods().inNamespace(NS).withName(POD).delete();
    try {
      client
          .pods()
          .inNamespace(NS)
          .withName(POD)
          .waitUntilCondition(p -> p == null, 2, TimeUnit.MINUTES);
    } catch (RuntimeException stillThere) {
      throw new AssertionError(
          "the pod stays Terminating; the driver's log:\n"
              + driverLog(system)
              + "\nkubelet about the pod:\n"
              + kubeletLines(system, pod.getMetadata().getUid()),
          stillThere);
    }
    assertThat(HostMounts.under(podDir)).as("mounts left under " + podDir).isEmpty();
    assertThat(target).as("kubelet's target removed").doesNotExist();
  }

  private static String driverLog(InstalledSystem system) {
    return system
        .cluster()
        .kubectl(
            "logs",
            "-n",
            InstalledSystem.MODULE_NAMESPACE,
            "-l",
            "app.kubernetes.io/component=csi-driver",
            "--tail=60")
        .stdout();
  }

  private static String kubeletLines(InstalledSystem system, String uid) {
    Path log = system.cluster().dir().resolve("logs/kubelet.log");
    try (Stream<String> lines = Files.lines(log)) {
      List<String> matching = lines.filter(l -> l.contains(uid)).toList();
      return String.join(
          "\n", matching.subList(Math.max(0, matching.size() - 40), matching.size()));
    } catch (IOException | RuntimeException e) {
      return "(cannot read " + log + ": " + e.getMessage() + ")";
    }
  }
}
