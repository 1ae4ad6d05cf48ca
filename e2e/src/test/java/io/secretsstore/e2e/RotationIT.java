package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rotation end to end: the secret changes in the store, the file changes inside the running pod (a
 * new {@code ..data} generation swapped in), and a {@code subPath} mount of the same volume keeps
 * the old content, as the module documents.
 */
@ExtendWith(E2eSystem.class)
class RotationIT {

  private static final String NS = SeedStore.NAMESPACE;

  @Test
  void aChangedSecretReachesTheRunningPodButNotItsSubPathMount(InstalledSystem system) {
    Pods pods = new Pods(system.cluster());
    String first = SuiteSecrets.value("rotation-first");
    String second = SuiteSecrets.value("rotation-second");
    system.store().putTestSecret("rotation", Map.of("password", first));
    pods.apply(Manifests.importOf(NS, "rotation", "password", "rotation", "password"));
    pods.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: rotation
          namespace: my-namespace
        spec:
          serviceAccountName: myapp
          terminationGracePeriodSeconds: 1
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "sleep 36000"]
            volumeMounts:
            - name: secrets
              mountPath: /mnt/secrets
            - name: secrets
              mountPath: /mnt/pinned/password
              subPath: password
          volumes:
          - name: secrets
            csi:
              driver: secrets-store.csi.deckhouse.io
              readOnly: true
              volumeAttributes:
                secretsStoreImport: rotation
        """
            .formatted(Manifests.IMAGE));
    pods.awaitReady(NS, "rotation", Duration.ofMinutes(3));
    assertThat(read(pods, "/mnt/secrets/password")).isEqualTo(first);
    String firstGeneration = read(pods, "/mnt/secrets/..data", true);

    system.store().putTestSecret("rotation", Map.of("password", second));

    String rotated = awaitContent(pods, "/mnt/secrets/password", second, Duration.ofMinutes(3));
    assertThat(rotated).isEqualTo(second);
    assertThat(read(pods, "/mnt/secrets/..data", true))
        .startsWith("..")
        .isNotEqualTo(firstGeneration);
    assertThat(read(pods, "/mnt/pinned/password")).isEqualTo(first);
    pods.delete(NS, "rotation");
  }

  private static String read(Pods pods, String path) {
    return read(pods, path, false);
  }

  private static String read(Pods pods, String path, boolean link) {
    Command.Result result =
        link ? pods.exec(NS, "rotation", "readlink", path) : pods.exec(NS, "rotation", "cat", path);
    return result.orThrow().stdout().strip();
  }

  private static String awaitContent(Pods pods, String path, String expected, Duration timeout) {
    Instant deadline = Instant.now().plus(timeout);
    String last = "";
    while (Instant.now().isBefore(deadline)) {
      last = read(pods, path);
      if (last.equals(expected)) {
        return last;
      }
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return last;
  }
}
