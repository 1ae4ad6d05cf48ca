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
   * @param tokenAudience audience of the service-account token requested for the store login
   * @param tokenLifetime lifetime of that token (the API server enforces at least 10 minutes)
   * @param maxConcurrentSyncs store syncs running at once
   */
  public record SecretSync(
      @DefaultValue("false") boolean enabled,
      @DefaultValue("2m") Duration refreshInterval,
      @DefaultValue("") String tokenAudience,
      @DefaultValue("10m") Duration tokenLifetime,
      @DefaultValue("4") int maxConcurrentSyncs) {

    public SecretSync {
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
