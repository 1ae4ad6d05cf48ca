package io.secretsstore.webhook.config;

import java.util.List;
import java.util.Set;

/**
 * The namespaces in which the webhook reads Secrets (env sources to scan, image pull secrets) and
 * service accounts (their pull secrets): the administrator's list, where the chart binds the
 * webhook's Secret rights (rbac.yaml, scope secretNamespaces). Everywhere else it reads none: a
 * Secret named by a pod's env there is not scanned, and image lookups go without credentials.
 * {@code *} stands for every namespace (a cluster-wide grant).
 */
public record SecretNamespaces(Set<String> namespaces) {

  public static final SecretNamespaces ALL = new SecretNamespaces(Set.of("*"));
  public static final SecretNamespaces NONE = new SecretNamespaces(Set.of());

  public SecretNamespaces {
    namespaces = Set.copyOf(namespaces);
  }

  public static SecretNamespaces of(List<String> namespaces) {
    return new SecretNamespaces(
        Set.copyOf(namespaces.stream().map(String::trim).filter(n -> !n.isEmpty()).toList()));
  }

  public boolean allows(String namespace) {
    return namespaces.contains("*") || namespaces.contains(namespace);
  }

  /** Why nothing was read, for a denial: names the setting, not any Secret. */
  public String refusal(String namespace) {
    return "the webhook reads no Secrets in namespace '"
        + namespace
        + "' (module setting webhook secretNamespaces)";
  }
}
