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
 * @param allowedRegistries registries (host[:port]) pods' images may be looked up in; empty: any
 * @param allowPrivateAddresses also look up registries that resolve to loopback, link-local or
 *     private addresses although nobody listed them (allowed, insecure or mirror registries are
 *     always looked up): off, so a pod spec cannot make the webhook probe the cluster's network
 * @param maxConcurrentLookups registry lookups in flight at once across all admissions
 * @param maxConfigBytes largest image config blob read
 * @param maxManifestBytes largest manifest (or image index, or token answer) read
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
    @DefaultValue("") String caFile,
    @DefaultValue List<String> allowedRegistries,
    @DefaultValue("false") boolean allowPrivateAddresses,
    @DefaultValue("8") int maxConcurrentLookups,
    @DefaultValue("4194304") long maxConfigBytes,
    @DefaultValue("4194304") long maxManifestBytes) {

  public RegistryProperties {
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofSeconds(25)) > 0) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.registry.timeout must be between 0 and 25s (the API server waits"
              + " at most 30s for the webhook): "
              + timeout);
    }
    if (maxConcurrentLookups < 1) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.registry.max-concurrent-lookups must be at least 1");
    }
    if (maxConfigBytes < 1) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.registry.max-config-bytes must be at least 1");
    }
    if (maxManifestBytes < 1) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.registry.max-manifest-bytes must be at least 1");
    }
    if (cacheSize < 0) {
      throw new IllegalArgumentException("secrets-store.webhook.registry.cache-size must be >= 0");
    }
  }

  /** Registries an administrator named: looked up wherever they resolve. */
  public boolean namedByAdministrator(String registry) {
    return allowedRegistries.contains(registry)
        || insecureRegistries.contains(registry)
        || mirrors.containsValue(registry);
  }
}
