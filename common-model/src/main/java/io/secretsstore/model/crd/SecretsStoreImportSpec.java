package io.secretsstore.model.crd;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.ArrayList;
import java.util.List;

/** What to import, from where, and as whom. Patterns are those of the Deckhouse module's CRD. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SecretsStoreImportSpec {

  @Required
  @JsonPropertyDescription(
      "How the secrets are delivered: CSI (files in the pod), or Secret (opt-in: a Kubernetes"
          + " Secret kept in sync by the controller, stored in etcd).")
  private ImportType type;

  @Required
  @Pattern(SsiPatterns.ROLE)
  @JsonPropertyDescription("Role in the store that the pod's service account logs in with.")
  private String role;

  @Pattern(SsiPatterns.AUTH_PATH)
  @JsonPropertyDescription(
      "Mount path of the Kubernetes auth method in the store. Defaults to the module settings.")
  private String authPath;

  @Pattern(SsiPatterns.NAMESPACE)
  @JsonPropertyDescription("Store namespace (X-Vault-Namespace). Defaults to the module settings.")
  private String namespace;

  @Pattern(SsiPatterns.ADDRESS)
  @JsonPropertyDescription(
      "Address of the store, http(s)://host[:port]. Defaults to the module settings.")
  private String address;

  @Pattern(SsiPatterns.CA_CERT)
  @JsonPropertyDescription(
      "PEM CA certificate that signed the store's TLS certificate. Defaults to the module settings.")
  private String caCert;

  @JsonPropertyDescription(
      "Audience (aud claim) of the service-account token used for the store login.")
  private String audience;

  @JsonPropertyDescription("Do not verify the store's TLS certificate. Unsafe; for tests only.")
  private Boolean skipTLSVerify;

  @Required
  @JsonPropertyDescription("The files to create, each from one key of one secret.")
  private List<SecretFile> files = new ArrayList<>();

  @JsonPropertyDescription("For type Secret: the Kubernetes Secret to keep in sync.")
  private SecretTarget secret;

  public SecretTarget getSecret() {
    return secret;
  }

  public void setSecret(SecretTarget secret) {
    this.secret = secret;
  }

  public ImportType getType() {
    return type;
  }

  public void setType(ImportType type) {
    this.type = type;
  }

  public String getRole() {
    return role;
  }

  public void setRole(String role) {
    this.role = role;
  }

  public String getAuthPath() {
    return authPath;
  }

  public void setAuthPath(String authPath) {
    this.authPath = authPath;
  }

  public String getNamespace() {
    return namespace;
  }

  public void setNamespace(String namespace) {
    this.namespace = namespace;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public String getCaCert() {
    return caCert;
  }

  public void setCaCert(String caCert) {
    this.caCert = caCert;
  }

  public String getAudience() {
    return audience;
  }

  public void setAudience(String audience) {
    this.audience = audience;
  }

  public Boolean getSkipTLSVerify() {
    return skipTLSVerify;
  }

  public void setSkipTLSVerify(Boolean skipTLSVerify) {
    this.skipTLSVerify = skipTLSVerify;
  }

  public List<SecretFile> getFiles() {
    return files;
  }

  public void setFiles(List<SecretFile> files) {
    this.files = files;
  }
}
