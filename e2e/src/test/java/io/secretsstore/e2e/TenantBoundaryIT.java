package io.secretsstore.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.secretsstore.e2e.cluster.Command;
import io.secretsstore.e2e.cluster.Pods;
import io.secretsstore.e2e.store.SeedStore;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tenant who can create pods and imports in their own namespace, played on the real cluster:
 * another namespace's import, a service account the role does not bind, a writable volume, writes
 * into the volume. Each is refused with a reason where the user looks.
 */
@ExtendWith(E2eSystem.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TenantBoundaryIT {

  private static final String NS = SeedStore.NAMESPACE;
  private static final String OTHER = "other-team";
  private static final Duration EVENT = Duration.ofMinutes(3);

  private Pods pods;
  private final String value = SuiteSecrets.value("boundary");

  @BeforeAll
  void setUp(InstalledSystem system) {
    pods = new Pods(system.cluster());
    system.store().putTestSecret("boundary", Map.of("password", value));
    pods.apply(Manifests.importOf(NS, "boundary", "password", "boundary", "password"));
    pods.apply(Manifests.namespace(OTHER));
    pods.apply(Manifests.serviceAccount(OTHER, "myapp"));
    pods.apply(Manifests.serviceAccount(NS, "stranger"));
  }

  @Test
  void aPodCannotMountAnImportOfAnotherNamespace() {
    pods.apply(Manifests.podWithImport(OTHER, "borrower", "myapp", "boundary", "true"));

    String event = pods.awaitEvent(OTHER, "borrower", e -> e.contains("boundary"), EVENT);

    assertThat(event).contains(OTHER);
    assertThat(pods.get(OTHER, "borrower").getStatus().getPhase()).isEqualTo("Pending");
    pods.delete(OTHER, "borrower");
  }

  @Test
  void aServiceAccountTheRoleDoesNotBindGetsNoFilesAndAReason() {
    pods.apply(Manifests.podWithImport(NS, "stranger-files", "stranger", "boundary", "true"));

    String event =
        pods.awaitEvent(
            NS,
            "stranger-files",
            e -> e.contains("myapp") && (e.contains("denied") || e.contains("permission")),
            EVENT);

    assertThat(event).doesNotContain(value);
    assertThat(pods.get(NS, "stranger-files").getStatus().getPhase()).isEqualTo("Pending");
    pods.delete(NS, "stranger-files");
  }

  @Test
  void anInjectedContainerOfAnUnboundServiceAccountExitsWithTheReasonInItsTerminationMessage() {
    pods.apply(
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: stranger-env
          namespace: my-namespace
          annotations:
            secrets-store.deckhouse.io/role: myapp
        spec:
          serviceAccountName: stranger
          restartPolicy: Never
          containers:
          - name: app
            image: %s
            command: ["sh", "-c", "echo started; printenv PASSWORD"]
            env:
            - name: PASSWORD
              value: secrets-store:secret/data/e2e/boundary#password
        """
            .formatted(Manifests.IMAGE));

    Pod failed =
        pods.awaitCondition(
            NS, "stranger-env", pod -> "Failed".equals(pod.getStatus().getPhase()), EVENT);

    ContainerStatus app = failed.getStatus().getContainerStatuses().getFirst();
    String message = app.getState().getTerminated().getMessage();
    assertThat(app.getState().getTerminated().getExitCode()).isNotZero();
    assertThat(message).contains("myapp").containsAnyOf("denied", "permission");
    assertThat(pods.logs(NS, "stranger-env", null)).doesNotContain("started");
    pods.delete(NS, "stranger-env");
  }

  @Test
  void aWritableVolumeIsRefused() {
    // Explicitly readOnly: false. (Leaving readOnly out is what the module's own example does;
    // SeedExamplesIT shows that it works.)
    var attempt =
        org.assertj.core.api.Assertions.catchThrowable(
            () ->
                pods.apply(Manifests.podWithImport(NS, "writable", "myapp", "boundary", "false")));
    if (attempt != null) {
      // Denied at admission: the message says what to change.
      assertThat(attempt).hasMessageContaining("readOnly");
      return;
    }
    String event =
        pods.awaitEvent(
            NS, "writable", e -> e.contains("read-only") || e.contains("readOnly"), EVENT);
    assertThat(event).contains("secrets");
    pods.delete(NS, "writable");
  }

  @Test
  void aRootContainerCannotWriteIntoItsSecretsVolume() {
    pods.apply(Manifests.podWithImport(NS, "writer", "myapp", "boundary", "true"));
    pods.awaitReady(NS, "writer", EVENT);

    Command.Result overwrite =
        pods.exec(NS, "writer", "sh", "-c", "echo forged > /mnt/secrets/password");
    Command.Result create = pods.exec(NS, "writer", "sh", "-c", "echo x > /mnt/secrets/new");
    Command.Result link = pods.exec(NS, "writer", "sh", "-c", "ln -sfn / /mnt/secrets/..data");

    assertThat(overwrite.ok()).isFalse();
    assertThat(create.ok()).isFalse();
    assertThat(link.ok()).isFalse();
    assertThat(overwrite.stderr() + create.stderr()).contains("Read-only file system");
    assertThat(pods.exec(NS, "writer", "cat", "/mnt/secrets/password").orThrow().stdout())
        .isEqualTo(value);
    assertThat(pods.exec(NS, "writer", "id", "-u").orThrow().stdout().strip()).isEqualTo("0");
    pods.delete(NS, "writer");
  }
}
