package io.secretsstore.webhook.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Registry lookups ({@code secrets-store.webhook.registry.*}).
 *
 * @param timeout deadline of one lookup, well inside the API server's admission timeout
 * @param cacheSize entries kept (least recently used go first)
 * @param cacheTtl how long a lookup by tag is reused; lookups by digest are reused until evicted
 * @param cacheMutableTags also cache tags that are moved by convention ({@code latest}, none)
 * @param insecureRegistries registries reached without TLS verification (or plain HTTP)
 * @param mirrors registry host to the mirror host to ask instead, e.g. docker.io: mirror.local
 * @param defaultArchitecture the platform picked from an image index when the pod does not say
 * @param caFile PEM bundle of extra CAs trusted for registries (besides the system's)
 */
@ConfigurationProperties("secrets-store.webhook.registry")
public record RegistryProperties(
    @DefaultValue("5s") Duration timeout,
    @DefaultValue("1000") int cacheSize,
    @DefaultValue("10m") Duration cacheTtl,
    @DefaultValue("false") boolean cacheMutableTags,
    @DefaultValue List<String> insecureRegistries,
    @DefaultValue Map<String, String> mirrors,
    @DefaultValue("amd64") String defaultArchitecture,
    @DefaultValue("") String caFile) {

  public RegistryProperties {
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(25)) > 0) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.registry.timeout must be between 0 and 25s (the API server waits"
              + " at most 30s for the webhook): "
              + timeout);
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("secrets-store.webhook.registry.cache-size must be >= 0");
    }
  }
}
