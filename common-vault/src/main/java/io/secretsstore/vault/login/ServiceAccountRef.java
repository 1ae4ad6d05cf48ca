package io.secretsstore.vault.login;

/**
 * A Kubernetes service account, the identity a pod logs in to the store with.
 *
 * <p>Callers build it from trusted sources only (kubelet's volume context, the admission request),
 * never from a pod author's input: it decides which cached store token may be reused.
 */
public record ServiceAccountRef(String namespace, String name) {

  public ServiceAccountRef {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("service account namespace is empty");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("service account name is empty");
    }
  }

  /** The subject Kubernetes puts into the account's tokens. */
  public String subject() {
    return "system:serviceaccount:" + namespace + ":" + name;
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
