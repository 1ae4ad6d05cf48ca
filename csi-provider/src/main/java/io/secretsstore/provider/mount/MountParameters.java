package io.secretsstore.provider.mount;

import io.secretsstore.vault.login.ServiceAccountRef;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A mount request after parsing, in either parameter dialect.
 *
 * @param dialect which parameter set the request used
 * @param role store role
 * @param authPath auth mount path, if the request set one
 * @param address store address, if the request set one
 * @param namespace store namespace, if the request set one
 * @param caCertPem PEM CA, if the request set one
 * @param caCertPath path of a PEM CA file on the node (upstream {@code vaultCACertPath})
 * @param tlsServerName name to verify the store certificate against
 * @param skipTlsVerify skip certificate verification
 * @param audience token audience the request asked for, if any
 * @param files the files, with unique names
 * @param pod who mounts
 * @param tokens kubelet's service-account tokens by audience; never printed
 * @param rotationCycle the driver's rotation cycle, when the call is a rotation of our driver
 */
public record MountParameters(
    Dialect dialect,
    String role,
    Optional<String> authPath,
    Optional<String> address,
    Optional<String> namespace,
    Optional<String> caCertPem,
    Optional<String> caCertPath,
    Optional<String> tlsServerName,
    boolean skipTlsVerify,
    Optional<String> audience,
    List<FileRequest> files,
    PodInfo pod,
    Map<String, String> tokens,
    Optional<String> rotationCycle) {

  /** The two accepted parameter sets. */
  public enum Dialect {
    /** Our own: the fields of a SecretsStoreImport spec, passed by our CSI driver. */
    SECRETS_STORE_IMPORT,
    /** The upstream vault provider's SecretProviderClass parameters. */
    SECRET_PROVIDER_CLASS
  }

  /** The pod from kubelet's volume context. */
  public record PodInfo(
      String namespace, String name, String uid, ServiceAccountRef serviceAccount) {
    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  @Override
  public String toString() {
    return "MountParameters["
        + dialect
        + ", pod="
        + pod
        + ", role="
        + role
        + ", files="
        + files.stream().map(FileRequest::name).toList()
        + "]";
  }
}
