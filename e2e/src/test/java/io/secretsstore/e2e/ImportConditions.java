package io.secretsstore.e2e;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.util.List;
import java.util.Map;

/** Reads a SecretsStoreImport's status conditions, as the e2e tests see the object. */
final class ImportConditions {

  private ImportConditions() {}

  /** The import's {@code Ready} condition, or an empty map while it has none (or no object). */
  @SuppressWarnings("unchecked")
  static Map<String, Object> ready(GenericKubernetesResource ssi) {
    if (ssi == null
        || !(ssi.getAdditionalProperties().get("status") instanceof Map<?, ?> status)
        || !(status.get("conditions") instanceof List<?> conditions)) {
      return Map.of();
    }
    return conditions.stream()
        .map(c -> (Map<String, Object>) c)
        .filter(c -> "Ready".equals(c.get("type")))
        .findFirst()
        .orElse(Map.of());
  }
}
