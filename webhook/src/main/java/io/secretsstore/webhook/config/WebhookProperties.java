package io.secretsstore.webhook.config;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What the webhook puts into pods ({@code secrets-store.webhook.*}) and the module's store
 * connection ({@code secrets-store.connection.*}) used when a pod's annotations name none.
 *
 * @param injectorImage the image whose init container copies the injector bundle
 * @param injectorPullPolicy its default pull policy ({@code env-injector-pull-policy} overrides)
 * @param mountPath where the shared in-memory volume is mounted in every container
 * @param tokenAudience audience of the projected token the injector logs in with (not the API
 *     server's, so the token is useless against the Kubernetes API)
 * @param tokenLifetime its lifetime (kubelet refreshes it)
 * @param allowedAddresses store addresses pods may name in {@code addr}; empty allows any
 * @param lookupTimeout how long reading ConfigMaps and Secrets named by envFrom may take
 * @param delivery {@code copy}: an init container copies the injector bundle into an in-memory
 *     volume (works everywhere, costs the bundle's size in every pod's memory); {@code
 *     image-volume}: the injector image is mounted read-only as an image volume (Kubernetes 1.33+
 *     with image volumes enabled; nothing is copied)
 */
@ConfigurationProperties("secrets-store.webhook")
public record WebhookProperties(
    @DefaultValue("registry.deckhouse.io/secrets-store/injector:latest") String injectorImage,
    @DefaultValue("IfNotPresent") String injectorPullPolicy,
    @DefaultValue("/secrets-store") String mountPath,
    @DefaultValue("secrets-store") String tokenAudience,
    @DefaultValue("10m") Duration tokenLifetime,
    @DefaultValue List<String> allowedAddresses,
    @DefaultValue("2s") Duration lookupTimeout,
    @DefaultValue Connection connection,
    @DefaultValue("copy") String delivery) {

  /** The module's connection settings (ModuleConfig {@code connection.*}). */
  public record Connection(
      @DefaultValue("") String url,
      @DefaultValue("kubernetes") String authPath,
      @DefaultValue("") String namespace,
      @DefaultValue("") String caCert) {}

  public WebhookProperties {
    if (!mountPath.startsWith("/") || mountPath.length() < 2) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.mount-path must be an absolute directory: " + mountPath);
    }
    if (tokenLifetime.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.token-lifetime must be at least 10m (kubelet's minimum)");
    }
    if (!List.of("copy", "image-volume").contains(delivery)) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.delivery must be copy or image-volume: " + delivery);
    }
    if (!List.of("Always", "IfNotPresent", "Never").contains(injectorPullPolicy)) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.injector-pull-policy must be Always, IfNotPresent or Never");
    }
  }
}
