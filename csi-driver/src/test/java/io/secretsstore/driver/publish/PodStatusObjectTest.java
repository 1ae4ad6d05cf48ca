package io.secretsstore.driver.publish;

import static org.assertj.core.api.Assertions.assertThat;

import io.secretsstore.driver.status.PodStatusWriter;
import io.secretsstore.model.crd.PodMountStatus;
import io.secretsstore.model.crd.SecretsStoreImportPodStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodStatusObjectTest {

  private final PodInfo pod = new PodInfo("web-1", "team-a", "uid-1", "app", "secrets");

  @Test
  void describesTheMountOwnedByThePod() {
    MountedVolume volume =
        new MountedVolume(
            "csi-1",
            Path.of("/pods/uid-1/volumes/kubernetes.io~csi/secrets/mount"),
            pod,
            Map.of(),
            Instant.parse("2026-11-25T10:00:00Z"),
            null,
            Map.of("user", "v-2", "password", "v-1"),
            new ProviderMount("vault", "SecretsStoreImport", "db", Map.of()),
            Instant.parse("2026-11-25T10:02:00Z"));
    volume.lastError("rotation failed");

    SecretsStoreImportPodStatus object = PodStatusWriter.desired(volume, true, "node-1");

    assertThat(object.getMetadata().getName()).matches("web-1-secrets-[0-9a-f]{8}");
    assertThat(object.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(object.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("Pod");
              assertThat(owner.getUid()).isEqualTo("uid-1");
            });
    PodMountStatus status = object.getStatus();
    assertThat(status.getImportKind()).isEqualTo("SecretsStoreImport");
    assertThat(status.getImportName()).isEqualTo("db");
    assertThat(status.getProvider()).isEqualTo("vault");
    assertThat(status.getNodeName()).isEqualTo("node-1");
    assertThat(status.getObjects())
        .containsExactly(
            new PodMountStatus.ObjectVersion("password", "v-1"),
            new PodMountStatus.ObjectVersion("user", "v-2"));
    assertThat(status.getMountTime()).isEqualTo("2026-11-25T10:00:00Z");
    assertThat(status.getLastRotationTime()).isEqualTo("2026-11-25T10:02:00Z");
    assertThat(status.getError()).isEqualTo("rotation failed");
  }

  @Test
  void objectNamesAreValidAndBounded() {
    assertThat(PodStatusWriter.objectName("Web_1", "My.Volume"))
        .matches("web-1-my.volume-[0-9a-f]{8}");
    // Pod "a-b" with volume "c" and pod "a" with volume "b-c" are different objects.
    assertThat(PodStatusWriter.objectName("a-b", "c"))
        .startsWith("a-b-c-")
        .isNotEqualTo(PodStatusWriter.objectName("a", "b-c"));
    String longName = PodStatusWriter.objectName("p".repeat(250), "v".repeat(60));
    assertThat(longName).hasSizeLessThanOrEqualTo(253).matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
    assertThat(PodStatusWriter.objectName("p".repeat(250), "w".repeat(60))).isNotEqualTo(longName);
  }

  @Test
  void rotationEventsListChangedFilesInOrder() {
    assertThat(
            VolumeService.changedNames(
                Map.of("b", "1", "a", "1", "gone", "1"), Map.of("b", "2", "a", "2", "same", "x")))
        .isEqualTo("a, b, gone (removed), same");
  }
}
