package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** What the controller last did for an import of {@code type: Secret}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretSyncStatus {

  @JsonPropertyDescription("The Secret the values are written to. Its data is stored in etcd.")
  private String secretName;

  @JsonPropertyDescription("When the Secret last matched the store (RFC 3339).")
  private String lastSyncTime;

  @JsonPropertyDescription("Data keys and the version of the value each holds (keyed hashes).")
  private List<PodMountStatus.ObjectVersion> objects;

  @JsonPropertyDescription("Why the last sync failed; the Secret keeps its previous content.")
  private String error;

  public String getSecretName() {
    return secretName;
  }

  public void setSecretName(String secretName) {
    this.secretName = secretName;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }

  public List<PodMountStatus.ObjectVersion> getObjects() {
    return objects;
  }

  public void setObjects(List<PodMountStatus.ObjectVersion> objects) {
    this.objects = objects;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }
}
