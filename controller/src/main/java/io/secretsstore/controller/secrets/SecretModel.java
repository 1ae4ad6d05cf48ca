package io.secretsstore.controller.secrets;

import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.secretsstore.model.crd.SecretTarget;
import io.secretsstore.model.crd.SecretsStoreImport;
import io.secretsstore.model.names.CsiNames;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** The Kubernetes Secret an import of type Secret should be (pure: import and values in). */
public final class SecretModel {

  public static final String MANAGED_BY = "secrets-store-controller";

  /** Names the import a Secret belongs to, so Secret events find their import. */
  public static final String IMPORT_ANNOTATION = "secrets-store.deckhouse.io/import";

  private SecretModel() {}

  public static String secretName(SecretsStoreImport ssi) {
    SecretTarget target = ssi.getSpec().getSecret();
    return target != null && target.getName() != null && !target.getName().isBlank()
        ? target.getName()
        : ssi.getMetadata().getName();
  }

  /**
   * @param values data key (the import's file name) to raw bytes
   */
  public static Secret desired(SecretsStoreImport ssi, Map<String, byte[]> values) {
    SecretTarget target = ssi.getSpec().getSecret();
    Map<String, String> labels = new TreeMap<>();
    Map<String, String> annotations = new TreeMap<>();
    if (target != null && target.getLabels() != null) {
      labels.putAll(target.getLabels());
    }
    if (target != null && target.getAnnotations() != null) {
      annotations.putAll(target.getAnnotations());
    }
    // Ours last: users cannot unset what marks the Secret as managed.
    labels.put(CsiNames.MANAGED_BY_LABEL, MANAGED_BY);
    annotations.put(IMPORT_ANNOTATION, ssi.getMetadata().getName());
    Map<String, String> data = new TreeMap<>();
    values.forEach((key, value) -> data.put(key, Base64.getEncoder().encodeToString(value)));
    SecretBuilder secret =
        new SecretBuilder()
            .withNewMetadata()
            .withName(secretName(ssi))
            .withNamespace(ssi.getMetadata().getNamespace())
            .withLabels(labels)
            .withAnnotations(annotations)
            .endMetadata()
            .withType(
                target == null || target.getType() == null || target.getType().isBlank()
                    ? "Opaque"
                    : target.getType())
            .withData(data);
    if (target == null || !Boolean.TRUE.equals(target.getRetainOnDelete())) {
      // Garbage collection deletes the Secret with its import.
      secret
          .editMetadata()
          .withOwnerReferences(
              new OwnerReferenceBuilder()
                  .withApiVersion(ssi.getApiVersion())
                  .withKind(ssi.getKind())
                  .withName(ssi.getMetadata().getName())
                  .withUid(ssi.getMetadata().getUid())
                  .withController(true)
                  .withBlockOwnerDeletion(true)
                  .build())
          .endMetadata();
    }
    return secret.build();
  }

  /** A Secret we may write: absent, or labelled as ours and naming this import. */
  public static boolean isOurs(Secret existing, SecretsStoreImport ssi) {
    var metadata = existing.getMetadata();
    return metadata.getLabels() != null
        && MANAGED_BY.equals(metadata.getLabels().get(CsiNames.MANAGED_BY_LABEL))
        && metadata.getAnnotations() != null
        && ssi.getMetadata().getName().equals(metadata.getAnnotations().get(IMPORT_ANNOTATION));
  }

  /**
   * Whether {@code existing} already holds what {@code desired} says: data, type, our labels and
   * annotations, owner. Extra labels/annotations others added are left alone; edits of ours and of
   * the data are reverted.
   */
  public static boolean matches(Secret existing, Secret desired) {
    return Objects.equals(nonNull(existing.getData()), nonNull(desired.getData()))
        && Objects.equals(existing.getType(), desired.getType())
        && contains(existing.getMetadata().getLabels(), desired.getMetadata().getLabels())
        && contains(existing.getMetadata().getAnnotations(), desired.getMetadata().getAnnotations())
        && Objects.equals(
            nonNull(existing.getMetadata().getOwnerReferences()),
            nonNull(desired.getMetadata().getOwnerReferences()));
  }

  /** {@code desired} with the labels and annotations others added to {@code existing} kept. */
  public static Secret merged(Secret existing, Secret desired) {
    Map<String, String> labels = new LinkedHashMap<>(nonNull(existing.getMetadata().getLabels()));
    labels.putAll(desired.getMetadata().getLabels());
    Map<String, String> annotations =
        new LinkedHashMap<>(nonNull(existing.getMetadata().getAnnotations()));
    annotations.putAll(desired.getMetadata().getAnnotations());
    return new SecretBuilder(desired)
        .editMetadata()
        .withLabels(labels)
        .withAnnotations(annotations)
        .withResourceVersion(existing.getMetadata().getResourceVersion())
        .endMetadata()
        .build();
  }

  private static boolean contains(Map<String, String> actual, Map<String, String> required) {
    Map<String, String> present = nonNull(actual);
    return required.entrySet().stream()
        .allMatch(e -> Objects.equals(present.get(e.getKey()), e.getValue()));
  }

  private static <K, V> Map<K, V> nonNull(Map<K, V> map) {
    return map == null ? Map.of() : map;
  }

  private static <T> java.util.List<T> nonNull(java.util.List<T> list) {
    return list == null ? java.util.List.of() : list;
  }
}
