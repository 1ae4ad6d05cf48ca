package io.secretsstore.webhook.envsource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.secretsstore.webhook.config.SecretNamespaces;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@link EnvSources} from the API server. Values stay in memory for one admission only. Secrets
 * only in the namespaces of {@link SecretNamespaces}: elsewhere a Secret named by the env is not
 * read (as if it held no references) and the webhook needs no right to read it.
 */
public final class KubernetesEnvSources implements EnvSources {

  private final KubernetesClient kubernetes;
  private final SecretNamespaces secretReads;

  public KubernetesEnvSources(KubernetesClient kubernetes, SecretNamespaces secretReads) {
    this.kubernetes = kubernetes;
    this.secretReads = secretReads;
  }

  @Override
  public Optional<Map<String, String>> configMap(String namespace, String name)
      throws LookupException {
    try {
      ConfigMap map = kubernetes.configMaps().inNamespace(namespace).withName(name).get();
      return Optional.ofNullable(map).map(m -> m.getData() == null ? Map.of() : m.getData());
    } catch (KubernetesClientException e) {
      throw new LookupException(
          "cannot read ConfigMap '"
              + name
              + "' to look for secrets-store references: HTTP "
              + e.getCode());
    }
  }

  @Override
  public Optional<Map<String, String>> secret(String namespace, String name)
      throws LookupException {
    if (!secretReads.allows(namespace)) {
      return Optional.empty();
    }
    try {
      Secret secret = kubernetes.secrets().inNamespace(namespace).withName(name).get();
      if (secret == null) {
        return Optional.empty();
      }
      Map<String, String> values = new HashMap<>();
      if (secret.getStringData() != null) {
        values.putAll(secret.getStringData());
      }
      if (secret.getData() != null) {
        secret
            .getData()
            .forEach(
                (key, value) -> {
                  try {
                    values.put(
                        key, new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8));
                  } catch (IllegalArgumentException e) {
                    // Not our concern: kubelet rejects it.
                  }
                });
      }
      return Optional.of(values);
    } catch (KubernetesClientException e) {
      throw new LookupException(
          "cannot read Secret '"
              + name
              + "' to look for secrets-store references: HTTP "
              + e.getCode());
    }
  }
}
