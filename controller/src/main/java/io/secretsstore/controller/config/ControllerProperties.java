package io.secretsstore.controller.config;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the controller does ({@code secrets-store.controller.*}) and the module's store connection
 * ({@code secrets-store.connection.*}, ModuleConfig {@code connection.*}) it fills into generated
 * objects when an import sets none.
 *
 * @param secretProviderClasses keep a SecretProviderClass per import for the upstream driver
 * @param secretSync the opt-in Kubernetes Secret mode
 */
@ConfigurationProperties("secrets-store.controller")
public record ControllerProperties(
    @DefaultValue SecretProviderClasses secretProviderClasses,
    @DefaultValue SecretSync secretSync) {

  /**
   * @param enabled off by default: only for clusters that run the upstream kubernetes-sigs driver
   */
  public record SecretProviderClasses(@DefaultValue("false") boolean enabled) {}

  /**
   * @param enabled whether imports of {@code type: Secret} are served at all (off: they get a
   *     condition saying so)
   * @param refreshInterval default time between syncs of one import (±20% jitter)
   * @param tokenAudience audience of the service-account token requested for the store login: a
   *     dedicated one (never empty, which would mean the API server's: whoever runs the store
   *     address could then use the token against the Kubernetes API)
   * @param tokenLifetime lifetime of that token (the API server enforces at least 10 minutes)
   * @param maxConcurrentSyncs store syncs running at once
   * @param allowedAudiences audiences an import's {@code spec.audience} may ask for besides {@code
   *     tokenAudience}
   * @param namespaces the administrator's opt-in: namespaces whose imports may use the Secret mode
   *     ({@code *}: all); empty: none
   */
  public record SecretSync(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("2m") Duration refreshInterval,
      @DefaultValue("secrets-store") String tokenAudience,
      @DefaultValue("10m") Duration tokenLifetime,
      @DefaultValue("4") int maxConcurrentSyncs,
      @DefaultValue java.util.List<String> allowedAudiences,
      @DefaultValue java.util.List<String> namespaces) {

    /** Whether the administrator opted {@code namespace} in. */
    public boolean servesNamespace(String namespace) {
      return namespaces.contains("*") || namespaces.contains(namespace);
    }

    /** Whether an import may ask for {@code audience}. */
    public boolean allowsAudience(String audience) {
      return audience.equals(tokenAudience) || allowedAudiences.contains(audience);
    }

    public SecretSync {
      if (tokenAudience == null || tokenAudience.isBlank()) {
        throw new IllegalArgumentException(
            "secrets-store.controller.secret-sync.token-audience must be set to a dedicated"
                + " audience (empty would mean the API server's: a token the Kubernetes API"
                + " accepts, sent to a store address)");
      }
      if (allowedAudiences.stream().anyMatch(String::isBlank)) {
        throw new IllegalArgumentException(
            "secrets-store.controller.secret-sync.allowed-audiences may not list an empty"
                + " audience");
      }
      if (refreshInterval.compareTo(Duration.ofSeconds(10)) < 0) {
        throw new IllegalArgumentException(
            "secrets-store.controller.secret-sync.refresh-interval must be at least 10s: "
                + refreshInterval);
      }
      if (tokenLifetime.compareTo(Duration.ofMinutes(10)) < 0) {
        throw new IllegalArgumentException(
            "secrets-store.controller.secret-sync.token-lifetime must be at least 10m (the API"
                + " server's minimum): "
                + tokenLifetime);
      }
      if (maxConcurrentSyncs < 1) {
        throw new IllegalArgumentException(
            "secrets-store.controller.secret-sync.max-concurrent-syncs must be at least 1");
      }
    }
  }
}
