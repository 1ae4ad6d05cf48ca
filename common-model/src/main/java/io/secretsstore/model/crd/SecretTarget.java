package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.Map;

/**
 * The Kubernetes Secret an import of {@code type: Secret} is synced into (an addition to the
 * module's schema; every field is optional in the CRD, the controller checks what the mode needs).
 * Each file of the import becomes one data key of the Secret.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretTarget {

  /** Lower-case DNS subdomain, as Kubernetes requires for object names. */
  public static final String NAME_PATTERN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /**
   * The Secret types an import may ask for. Others are refused: a type such as {@code
   * kubernetes.io/service-account-token} would make the API server fill the Secret with a
   * credential of its own.
   */
  public static final java.util.List<String> ALLOWED_TYPES =
      java.util.List.of(
          "Opaque",
          "kubernetes.io/tls",
          "kubernetes.io/basic-auth",
          "kubernetes.io/dockerconfigjson");

  public static final String TYPE_PATTERN =
      "^(Opaque|kubernetes\\.io/tls|kubernetes\\.io/basic-auth|kubernetes\\.io/dockerconfigjson)$";

  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription("Name of the Secret. Defaults to the import's name.")
  private String name;

  @Pattern(TYPE_PATTERN)
  @JsonPropertyDescription(
      "Type of the Secret: Opaque (default), kubernetes.io/tls, kubernetes.io/basic-auth or"
          + " kubernetes.io/dockerconfigjson.")
  private String type;

  @JsonPropertyDescription("Extra labels of the Secret.")
  private Map<String, String> labels;

  @JsonPropertyDescription("Extra annotations of the Secret.")
  private Map<String, String> annotations;

  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription(
      "Service account of this namespace whose short-lived token logs in to the store (required"
          + " for type Secret).")
  private String serviceAccountName;

  @Pattern(io.secretsstore.model.values.Durations.PATTERN)
  @JsonPropertyDescription("Time between syncs, e.g. 2m. Defaults to the module setting.")
  private String refreshInterval;

  @JsonPropertyDescription("Keep the Secret when the import is deleted. Default false.")
  private Boolean retainOnDelete;

  /**
   * Whether a label or annotation key belongs to Kubernetes or to us, and may not come from an
   * import: prefixes {@code kubernetes.io/}, {@code k8s.io/} (and their subdomains, such as {@code
   * kubectl.kubernetes.io/}) and {@code secrets-store.deckhouse.io/}.
   */
  public static boolean isReservedKey(String key) {
    int slash = key == null ? -1 : key.indexOf('/');
    if (slash < 0) {
      return false;
    }
    String prefix = key.substring(0, slash).toLowerCase(java.util.Locale.ROOT);
    return prefix.equals("kubernetes.io")
        || prefix.endsWith(".kubernetes.io")
        || prefix.equals("k8s.io")
        || prefix.endsWith(".k8s.io")
        || prefix.equals("secrets-store.deckhouse.io");
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getType() {
    return type;
  }

  public void setType(String type) {
    this.type = type;
  }

  public Map<String, String> getLabels() {
    return labels;
  }

  public void setLabels(Map<String, String> labels) {
    this.labels = labels;
  }

  public Map<String, String> getAnnotations() {
    return annotations;
  }

  public void setAnnotations(Map<String, String> annotations) {
    this.annotations = annotations;
  }

  public String getServiceAccountName() {
    return serviceAccountName;
  }

  public void setServiceAccountName(String serviceAccountName) {
    this.serviceAccountName = serviceAccountName;
  }

  public String getRefreshInterval() {
    return refreshInterval;
  }

  public void setRefreshInterval(String refreshInterval) {
    this.refreshInterval = refreshInterval;
  }

  public Boolean getRetainOnDelete() {
    return retainOnDelete;
  }

  public void setRetainOnDelete(Boolean retainOnDelete) {
    this.retainOnDelete = retainOnDelete;
  }
}
