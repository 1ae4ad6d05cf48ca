package io.secretsstore.controller.compat;

import static io.secretsstore.controller.Imports.file;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.secretsstore.controller.Imports;
import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretsStoreImport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

class SecretProviderClassModelTest {

  private final ConnectionDefaults defaults =
      new ConnectionDefaults(
          "https://stronghold.internal:8200", "MODULE-CA", "kubernetes", "", List.of(), false);

  @Test
  void theUpstreamVaultProvidersParametersWithModuleDefaults() {
    SecretFile cert = file("tls.crt", "secret/data/tls", "crt");
    cert.setDecodeBase64(true);
    SecretsStoreImport ssi =
        Imports.csi("team-a", "db", file("user", "secret/data/db", "user"), cert);

    GenericKubernetesResource spc = SecretProviderClassModel.desired(ssi, defaults);

    assertThat(spc.getApiVersion()).isEqualTo("secrets-store.csi.x-k8s.io/v1");
    assertThat(spc.getKind()).isEqualTo("SecretProviderClass");
    assertThat(spc.getMetadata().getName()).isEqualTo("db");
    assertThat(spc.getMetadata().getNamespace()).isEqualTo("team-a");
    assertThat(spc.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "secrets-store-controller");
    assertThat(spc.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            owner -> {
              assertThat(owner.getKind()).isEqualTo("SecretsStoreImport");
              assertThat(owner.getUid()).isEqualTo(ssi.getMetadata().getUid());
              assertThat(owner.getController()).isTrue();
            });
    Map<?, ?> spec = (Map<?, ?>) spc.getAdditionalProperties().get("spec");
    assertThat(spec.get("provider")).isEqualTo("vault");
    @SuppressWarnings("unchecked")
    Map<String, Object> parameters = (Map<String, Object>) spec.get("parameters");
    assertThat(parameters)
        .containsEntry("roleName", "app")
        .containsEntry("vaultAddress", "https://stronghold.internal:8200")
        .containsEntry("vaultKubernetesMountPath", "kubernetes")
        .containsEntry("vaultCACert", "MODULE-CA")
        .doesNotContainKey("vaultSkipTLSVerify")
        .doesNotContainKey("vaultNamespace");
    List<Map<String, String>> objects = new Yaml().load((String) parameters.get("objects"));
    assertThat(objects)
        .containsExactly(
            Map.of("objectName", "user", "secretPath", "secret/data/db", "secretKey", "user"),
            Map.of(
                "objectName",
                "tls.crt",
                "secretPath",
                "secret/data/tls",
                "secretKey",
                "crt",
                "encoding",
                "base64"));
  }

  @Test
  void theImportsOwnAddressDoesNotInheritTheModulesCa() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
    ssi.getSpec().setAddress("https://other-store:8200");
    ssi.getSpec().setSkipTLSVerify(true);
    ssi.getSpec().setNamespace("team-ns");
    @SuppressWarnings("unchecked")
    Map<String, Object> parameters =
        (Map<String, Object>)
            ((Map<?, ?>)
                    SecretProviderClassModel.desired(ssi, defaults)
                        .getAdditionalProperties()
                        .get("spec"))
                .get("parameters");
    assertThat(parameters)
        .containsEntry("vaultAddress", "https://other-store:8200")
        .containsEntry("vaultSkipTLSVerify", "true")
        .containsEntry("vaultNamespace", "team-ns")
        .doesNotContainKey("vaultCACert");
  }

  @Test
  void onlyOurOwnObjectsAreOurs() {
    SecretsStoreImport ssi = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
    GenericKubernetesResource ours = SecretProviderClassModel.desired(ssi, defaults);
    assertThat(SecretProviderClassModel.isOurs(ours, ssi)).isTrue();
    assertThat(
            SecretProviderClassModel.matches(ours, SecretProviderClassModel.desired(ssi, defaults)))
        .isTrue();
    SecretsStoreImport other = Imports.csi("team-a", "db", file("user", "secret/data/db", "user"));
    assertThat(SecretProviderClassModel.isOurs(ours, other)).isFalse();
    ours.getMetadata().setLabels(Map.of());
    assertThat(SecretProviderClassModel.isOurs(ours, ssi)).isFalse();
  }
}
