package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** The state of one pod volume as the CSI driver on the pod's node sees it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PodMountStatus {

  @JsonPropertyDescription("The pod the volume belongs to.")
  private String podName;

  private String podUID;

  @JsonPropertyDescription("The node whose CSI driver mounted the volume.")
  private String nodeName;

  @JsonPropertyDescription("The pod's volume name.")
  private String volumeName;

  @JsonPropertyDescription("SecretsStoreImport or SecretProviderClass.")
  private String importKind;

  @JsonPropertyDescription("Name of the SecretsStoreImport or SecretProviderClass mounted.")
  private String importName;

  @JsonPropertyDescription("The provider that served the files, e.g. vault.")
  private String provider;

  @JsonPropertyDescription("True while the files are mounted.")
  private Boolean mounted;

  @JsonPropertyDescription("File names and the object versions the provider reported for them.")
  private List<ObjectVersion> objects = new ArrayList<>();

  @JsonPropertyDescription("When the volume was first mounted (RFC 3339).")
  private String mountTime;

  @JsonPropertyDescription("When the last rotation cycle succeeded (RFC 3339).")
  private String lastRotationTime;

  @JsonPropertyDescription("Why the last mount or rotation failed; empty after a success.")
  private String error;

  @JsonPropertyDescription(
      "Since when rotation has been skipped because kubelet has not republished the volume with a"
          + " fresh service-account token (RFC 3339); error says why. Empty after the next"
          + " rotation that reaches the provider.")
  private String rotationSkippedSince;

  /** A file name and its provider object version (a keyed hash, never the content). */
  public record ObjectVersion(String id, String version) {}

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public String getPodUID() {
    return podUID;
  }

  public void setPodUID(String podUID) {
    this.podUID = podUID;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public String getVolumeName() {
    return volumeName;
  }

  public void setVolumeName(String volumeName) {
    this.volumeName = volumeName;
  }

  public String getImportKind() {
    return importKind;
  }

  public void setImportKind(String importKind) {
    this.importKind = importKind;
  }

  public String getImportName() {
    return importName;
  }

  public void setImportName(String importName) {
    this.importName = importName;
  }

  public String getProvider() {
    return provider;
  }

  public void setProvider(String provider) {
    this.provider = provider;
  }

  public Boolean getMounted() {
    return mounted;
  }

  public void setMounted(Boolean mounted) {
    this.mounted = mounted;
  }

  public List<ObjectVersion> getObjects() {
    return objects;
  }

  public void setObjects(List<ObjectVersion> objects) {
    this.objects = objects;
  }

  public String getMountTime() {
    return mountTime;
  }

  public void setMountTime(String mountTime) {
    this.mountTime = mountTime;
  }

  public String getLastRotationTime() {
    return lastRotationTime;
  }

  public void setLastRotationTime(String lastRotationTime) {
    this.lastRotationTime = lastRotationTime;
  }

  public String getError() {
    return error;
  }

  public void setError(String error) {
    this.error = error;
  }

  public String getRotationSkippedSince() {
    return rotationSkippedSince;
  }

  public void setRotationSkippedSince(String rotationSkippedSince) {
    this.rotationSkippedSince = rotationSkippedSince;
  }
}
