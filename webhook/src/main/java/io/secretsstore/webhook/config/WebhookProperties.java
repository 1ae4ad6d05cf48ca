package io.secretsstore.webhook.config;

import io.secretsstore.model.connection.StoreAddress;
import io.secretsstore.model.connection.StoreAddressPolicy;
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
 * @param delivery {@code auto} (default): {@code csi} when the cluster has our csi-driver's {@code
 *     CSIDriver}, {@code copy} otherwise, decided once at start-up ({@link
 *     InjectorDeliveryChoice}); {@code copy}: an init container copies the injector bundle into an
 *     in-memory volume (works everywhere, costs the bundle's size in every pod's memory); {@code
 *     image-volume}: the injector image is mounted read-only as an image volume (Kubernetes 1.33+
 *     with image volumes enabled; nothing is copied); {@code csi}: the node's csi-driver serves the
 *     bundle its image carries as a read-only inline volume (nothing copied, nothing per pod)
 * @param admissionTimeout the MutatingWebhookConfiguration's {@code timeoutSeconds}: every lookup
 *     of one admission (ConfigMaps, Secrets, registries) ends {@link #ANSWER_RESERVE} before it
 * @param secretNamespaces namespaces in which the webhook reads Secrets and service accounts (env
 *     sources, pull secrets); {@code *} all; empty (default) none, see {@link SecretNamespaces}
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
    @DefaultValue("auto") String delivery,
    @DefaultValue("10s") Duration admissionTimeout,
    @DefaultValue List<String> secretNamespaces) {

  /** What the answer needs after the last lookup (patch, serialization, network). */
  static final Duration ANSWER_RESERVE = Duration.ofSeconds(1);

  /**
   * The module's connection settings (ModuleConfig {@code connection.*}).
   *
   * @param allowInsecureHttp whether pods may name plain {@code http://} store addresses (then with
   *     an admission warning); refused otherwise
   */
  public record Connection(
      @DefaultValue("") String url,
      @DefaultValue("kubernetes") String authPath,
      @DefaultValue("") String namespace,
      @DefaultValue("") String caCert,
      @DefaultValue("false") boolean allowInsecureHttp) {}

  public WebhookProperties {
    if (!mountPath.startsWith("/") || mountPath.length() < 2) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.mount-path must be an absolute directory: " + mountPath);
    }
    if (tokenLifetime.compareTo(Duration.ofMinutes(10)) < 0) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.token-lifetime must be at least 10m (kubelet's minimum)");
    }
    if (!List.of("auto", "copy", "image-volume", "csi").contains(delivery)) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.delivery must be auto, copy, image-volume or csi: " + delivery);
    }
    if (admissionTimeout.compareTo(Duration.ofSeconds(2)) < 0
        || admissionTimeout.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.admission-timeout must be between 2s and 30s (the API server's"
              + " timeoutSeconds range, with 1s to answer): "
              + admissionTimeout);
    }
    try {
      addressPolicyOf(connection, allowedAddresses);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.connection.url / allowed-addresses: " + e.getMessage());
    }
    if (!List.of("Always", "IfNotPresent", "Never").contains(injectorPullPolicy)) {
      throw new IllegalArgumentException(
          "secrets-store.webhook.injector-pull-policy must be Always, IfNotPresent or Never");
    }
  }

  /** These properties with another {@code delivery} (what {@code auto} resolved to). */
  public WebhookProperties withDelivery(String chosen) {
    return new WebhookProperties(
        injectorImage,
        injectorPullPolicy,
        mountPath,
        tokenAudience,
        tokenLifetime,
        allowedAddresses,
        lookupTimeout,
        connection,
        chosen,
        admissionTimeout,
        secretNamespaces);
  }

  /** Where pods may send their token: common-model's one rule (allowlist, module store, http). */
  public StoreAddressPolicy addressPolicy() {
    return addressPolicyOf(connection, allowedAddresses);
  }

  private static StoreAddressPolicy addressPolicyOf(Connection connection, List<String> allowed) {
    StoreAddress module = connection.url().isBlank() ? null : StoreAddress.parse(connection.url());
    return new StoreAddressPolicy(
        module, allowed.stream().map(StoreAddress::parse).toList(), connection.allowInsecureHttp());
  }

  public SecretNamespaces secretReads() {
    return SecretNamespaces.of(secretNamespaces);
  }

  /** How long all lookups of one admission may take together. */
  public Duration lookupDeadline() {
    return admissionTimeout.minus(ANSWER_RESERVE);
  }
}
