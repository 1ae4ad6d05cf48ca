package io.secretsstore.webhook.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.secretsstore.webhook.config.SecretNamespaces;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Registry credentials the way kubelet finds them: the pod's {@code imagePullSecrets}, then those
 * of its service account; {@code kubernetes.io/dockerconfigjson} and {@code
 * kubernetes.io/dockercfg} Secrets; the first entry whose registry matches wins. Only in the
 * namespaces of {@link SecretNamespaces}; elsewhere the lookup goes without credentials and nothing
 * is read.
 */
public final class PullSecretCredentials {

  private static final ObjectMapper JSON = new ObjectMapper();
  private final KubernetesClient kubernetes;
  private final SecretNamespaces secretReads;

  public PullSecretCredentials(KubernetesClient kubernetes, SecretNamespaces secretReads) {
    this.kubernetes = kubernetes;
    this.secretReads = secretReads;
  }

  /** Whether pull secrets are read for pods of this namespace. */
  public SecretNamespaces secretReads() {
    return secretReads;
  }

  public Optional<Credential> forRegistry(String registry, ImageCommands.PodContext pod) {
    if (!secretReads.allows(pod.namespace())) {
      return Optional.empty();
    }
    Set<String> names = new LinkedHashSet<>(pod.imagePullSecrets());
    ServiceAccount account =
        kubernetes
            .serviceAccounts()
            .inNamespace(pod.namespace())
            .withName(pod.serviceAccount())
            .get();
    if (account != null && account.getImagePullSecrets() != null) {
      account.getImagePullSecrets().stream().map(LocalObjectReference::getName).forEach(names::add);
    }
    for (String name : names) {
      Secret secret = kubernetes.secrets().inNamespace(pod.namespace()).withName(name).get();
      Optional<Credential> found = secret == null ? Optional.empty() : fromSecret(secret, registry);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  static Optional<Credential> fromSecret(Secret secret, String registry) {
    if (secret.getData() == null) {
      return Optional.empty();
    }
    try {
      JsonNode auths;
      if (secret.getData().containsKey(".dockerconfigjson")) {
        auths = JSON.readTree(decode(secret.getData().get(".dockerconfigjson"))).path("auths");
      } else if (secret.getData().containsKey(".dockercfg")) {
        auths = JSON.readTree(decode(secret.getData().get(".dockercfg")));
      } else {
        return Optional.empty();
      }
      for (var entry : (Iterable<java.util.Map.Entry<String, JsonNode>>) auths::fields) {
        if (matches(entry.getKey(), registry)) {
          return credential(entry.getValue());
        }
      }
    } catch (Exception e) {
      // A malformed pull secret is kubelet's problem too; the lookup goes on without it.
    }
    return Optional.empty();
  }

  private static Optional<Credential> credential(JsonNode entry) {
    if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
      return Optional.of(
          Credential.from(entry.get("username").asText(), entry.get("password").asText()));
    }
    if (entry.hasNonNull("auth")) {
      String decoded = decode(entry.get("auth").asText());
      int colon = decoded.indexOf(':');
      if (colon > 0) {
        return Optional.of(
            Credential.from(decoded.substring(0, colon), decoded.substring(colon + 1)));
      }
    }
    return Optional.empty();
  }

  /** {@code https://host/v1/}, {@code host}, {@code host:port} all name the registry host. */
  static boolean matches(String key, String registry) {
    String host = key.replaceFirst("^https?://", "").replaceFirst("/.*$", "");
    List<String> dockerHub =
        new ArrayList<>(List.of("docker.io", "index.docker.io", "registry-1.docker.io"));
    if (dockerHub.contains(host) && dockerHub.contains(registry)) {
      return true;
    }
    return host.equals(registry);
  }

  private static String decode(String base64) {
    return new String(Base64.getDecoder().decode(base64.trim()), StandardCharsets.UTF_8);
  }
}
