package io.secretsstore.vault.login;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * What a Kubernetes-auth login needs: the auth mount, the role, who logs in and their token.
 *
 * @param authPath the auth mount path, e.g. {@code kubernetes}
 * @param role the store role
 * @param serviceAccount the pod's service account, from a trusted source
 * @param jwt supplies the pod's service-account token when a login is needed (not on cache hits)
 */
public record KubernetesLogin(
    String authPath, String role, ServiceAccountRef serviceAccount, Supplier<String> jwt) {

  public KubernetesLogin {
    Objects.requireNonNull(authPath, "authPath");
    Objects.requireNonNull(role, "role");
    Objects.requireNonNull(serviceAccount, "serviceAccount");
    Objects.requireNonNull(jwt, "jwt");
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "KubernetesLogin[authPath="
        + authPath
        + ", role="
        + role
        + ", serviceAccount="
        + serviceAccount
        + "]";
  }
}
