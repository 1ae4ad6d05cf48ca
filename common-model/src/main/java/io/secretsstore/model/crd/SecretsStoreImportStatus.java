package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/**
 * What the system observed about an import.
 *
 * <p>Field ownership, so writers never fight: the controller owns the {@code Ready} condition and
 * {@code observedGeneration}; other components add conditions of their own types and fields of
 * their own, always with status patches, never whole-object updates.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretsStoreImportStatus {

  /** Condition type owned by the controller: the spec is valid and usable. */
  public static final String READY = "Ready";

  @JsonPropertyDescription("The metadata.generation the controller last evaluated.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Current state, e.g. Ready with reason InvalidSpec when the spec is wrong.")
  private List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("For type Secret: the last sync into the Kubernetes Secret.")
  private SecretSyncStatus secretSync;

  public SecretSyncStatus getSecretSync() {
    return secretSync;
  }

  public void setSecretSync(SecretSyncStatus secretSync) {
    this.secretSync = secretSync;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
