package io.secretsstore.controller.compat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.secretsstore.controller.config.ConnectionDefaults;
import io.secretsstore.model.crd.SecretFile;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.crd.SecretsStoreImportSpec;
import io.secretsstore.model.names.CsiNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The {@code SecretProviderClass} the upstream kubernetes-sigs driver needs to mount an import
 * through the upstream vault provider (pure: import in, object out). Same name and namespace as the
 * import, owned by it, parameters in the upstream vault provider's dialect.
 */
public final class SecretProviderClassModel {

  public static final String MANAGED_BY = "secrets-store-controller";

  public static final ResourceDefinitionContext RESOURCE =
      new ResourceDefinitionContext.Builder()
          .withGroup("secrets-store.csi.x-k8s.io")
          .withVersion("v1")
          .withKind("SecretProviderClass")
          .withPlural("secretproviderclasses")
          .withNamespaced(true)
          .build();

  public static final String CRD_NAME = "secretproviderclasses.secrets-store.csi.x-k8s.io";

  private SecretProviderClassModel() {}

  public static GenericKubernetesResource desired(
      SecretsStoreImport ssi, ConnectionDefaults defaults) {
    SecretsStoreImportSpec spec = ssi.getSpec();
    Map<String, Object> parameters = new LinkedHashMap<>();
    parameters.put("roleName", spec.getRole());
    putIfSet(parameters, "vaultAddress", firstSet(spec.getAddress(), defaults.url()));
    putIfSet(parameters, "vaultNamespace", firstSet(spec.getNamespace(), defaults.namespace()));
    putIfSet(
        parameters, "vaultKubernetesMountPath", firstSet(spec.getAuthPath(), defaults.authPath()));
    // The module's CA belongs to the module's store, not to an address the import chose.
    String ca =
        spec.getCaCert() != null
            ? spec.getCaCert()
            : spec.getAddress() == null ? defaults.caCert() : null;
    putIfSet(parameters, "vaultCACert", ca);
    if (Boolean.TRUE.equals(spec.getSkipTLSVerify())) {
      parameters.put("vaultSkipTLSVerify", "true");
    }
    putIfSet(parameters, "audience", spec.getAudience());
    parameters.put("objects", objectsYaml(spec.getFiles()));

    return new GenericKubernetesResourceBuilder()
        .withApiVersion(RESOURCE.getGroup() + "/" + RESOURCE.getVersion())
        .withKind(RESOURCE.getKind())
        .withNewMetadata()
        .withName(ssi.getMetadata().getName())
        .withNamespace(ssi.getMetadata().getNamespace())
        .withLabels(Map.of(CsiNames.MANAGED_BY_LABEL, MANAGED_BY))
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion(ssi.getApiVersion())
                .withKind(ssi.getKind())
                .withName(ssi.getMetadata().getName())
                .withUid(ssi.getMetadata().getUid())
                .withController(true)
                .withBlockOwnerDeletion(true)
                .build())
        .endMetadata()
        .withAdditionalProperties(
            Map.of("spec", Map.of("provider", "vault", "parameters", parameters)))
        .build();
  }

  /** Whether {@code existing} was made by us for {@code ssi} (and may be replaced or deleted). */
  public static boolean isOurs(GenericKubernetesResource existing, SecretsStoreImport ssi) {
    var metadata = existing.getMetadata();
    boolean labelled =
        metadata.getLabels() != null
            && MANAGED_BY.equals(metadata.getLabels().get(CsiNames.MANAGED_BY_LABEL));
    boolean owned =
        metadata.getOwnerReferences() != null
            && metadata.getOwnerReferences().stream()
                .anyMatch(owner -> ssi.getMetadata().getUid().equals(owner.getUid()));
    return labelled && owned;
  }

  /** Whether {@code existing} already says what {@code desired} says. */
  public static boolean matches(
      GenericKubernetesResource existing, GenericKubernetesResource desired) {
    return desired
            .getAdditionalProperties()
            .get("spec")
            .equals(existing.getAdditionalProperties().get("spec"))
        && java.util.Objects.equals(
            desired.getMetadata().getLabels(), existing.getMetadata().getLabels())
        && java.util.Objects.equals(
            desired.getMetadata().getOwnerReferences(),
            existing.getMetadata().getOwnerReferences());
  }

  private static String objectsYaml(List<SecretFile> files) {
    List<Map<String, String>> objects = new ArrayList<>();
    for (SecretFile file : files) {
      Map<String, String> object = new LinkedHashMap<>();
      object.put("objectName", file.getName());
      object.put("secretPath", file.getSource().getPath());
      object.put("secretKey", file.getSource().getKey());
      if (Boolean.TRUE.equals(file.getDecodeBase64())) {
        object.put("encoding", "base64");
      }
      objects.add(object);
    }
    DumperOptions options = new DumperOptions();
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setDefaultScalarStyle(DumperOptions.ScalarStyle.DOUBLE_QUOTED);
    return new Yaml(options).dump(objects);
  }

  private static String firstSet(String own, String fallback) {
    return own != null && !own.isBlank() ? own : fallback;
  }

  private static void putIfSet(Map<String, Object> map, String key, String value) {
    if (value != null && !value.isBlank()) {
      map.put(key, value);
    }
  }
}
