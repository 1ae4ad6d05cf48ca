package io.secretsstore.controller.secrets;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.secretsstore.controller.Imports;
import io.secretsstore.model.crd.SecretsStoreImport;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretModelTest {

  private final SecretsStoreImport ssi =
      Imports.secret("team-a", "db", "syncer", file("password", "secret/data/db", "pw"));
  private final Map<String, byte[]> values =
      Map.of("password", "s3cr3t".getBytes(StandardCharsets.UTF_8));

  @Test
  void theSecretCarriesTheValuesAndMarksItsOwner() {
    ssi.getSpec().getSecret().setLabels(Map.of("team", "a", "app.kubernetes.io/managed-by", "me"));
    ssi.getSpec().getSecret().setType("kubernetes.io/basic-auth");

    Secret secret = SecretModel.desired(ssi, values);

    assertThat(secret.getMetadata().getName()).isEqualTo("db");
    assertThat(secret.getType()).isEqualTo("kubernetes.io/basic-auth");
    assertThat(secret.getData())
        .containsExactly(
            Map.entry("password", Base64.getEncoder().encodeToString("s3cr3t".getBytes())));
    // Users may add labels, not take over the managed-by label.
    assertThat(secret.getMetadata().getLabels())
        .containsEntry("team", "a")
        .containsEntry("app.kubernetes.io/managed-by", "secrets-store-controller");
    assertThat(secret.getMetadata().getAnnotations())
        .containsEntry("secrets-store.deckhouse.io/import", "db");
    assertThat(secret.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(owner -> assertThat(owner.getUid()).isEqualTo(ssi.getMetadata().getUid()));
  }

  @Test
  void retainedSecretsHaveNoOwnerSoGarbageCollectionKeepsThem() {
    ssi.getSpec().getSecret().setRetainOnDelete(true);
    ssi.getSpec().getSecret().setName("kept");
    Secret secret = SecretModel.desired(ssi, values);
    assertThat(secret.getMetadata().getName()).isEqualTo("kept");
    assertThat(secret.getMetadata().getOwnerReferences()).isNullOrEmpty();
  }

  @Test
  void editsOfDataAndOfOurMarksAreDetectedOthersLabelsAreKept() {
    Secret desired = SecretModel.desired(ssi, values);
    Secret edited =
        new SecretBuilder(desired)
            .editMetadata()
            .addToLabels("added-by", "someone")
            .withResourceVersion("7")
            .endMetadata()
            .build();
    assertThat(SecretModel.matches(edited, desired)).isTrue();

    Secret tampered = new SecretBuilder(edited).addToData("password", "b3RoZXI=").build();
    assertThat(SecretModel.matches(tampered, desired)).isFalse();
    Secret merged = SecretModel.merged(tampered, desired);
    assertThat(merged.getData()).isEqualTo(desired.getData());
    assertThat(merged.getMetadata().getLabels()).containsEntry("added-by", "someone");
    assertThat(merged.getMetadata().getResourceVersion()).isEqualTo("7");
  }

  @Test
  void aSecretOfSomebodyElseIsNotOurs() {
    Secret foreign =
        new SecretBuilder()
            .withNewMetadata()
            .withName("db")
            .withNamespace("team-a")
            .endMetadata()
            .build();
    assertThat(SecretModel.isOurs(foreign, ssi)).isFalse();
    assertThat(SecretModel.isOurs(SecretModel.desired(ssi, values), ssi)).isTrue();
    SecretsStoreImport other =
        Imports.secret("team-a", "other", "syncer", file("password", "secret/data/db", "pw"));
    assertThat(SecretModel.isOurs(SecretModel.desired(ssi, values), other)).isFalse();
  }
}
