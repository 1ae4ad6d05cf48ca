package io.secretsstore.provider.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the provider ({@code secrets-store.provider.*}).
 *
 * @param socketDir directory of the provider socket; the socket is {@code <socketDir>/vault.sock}
 * @param defaultAudience audience of the kubelet-issued token to log in with when an import names
 *     none: the chart's dedicated audience (the CSIDriver's {@code tokenRequests}), which the
 *     Kubernetes API rejects
 * @param allowApiServerAudience whether a token the Kubernetes API accepts (kubelet's token for
 *     audience {@code ""}, or one whose {@code aud} is in {@code apiServerAudiences}) may be sent
 *     to the store at all; even then only to the module's own store, never to an address an import
 *     chose
 * @param apiServerAudiences the API server's own audiences ({@code --api-audiences}, by default its
 *     service-account issuer)
 * @param maxStoreConcurrency store requests in flight at once, across all mounts
 * @param coalesceWindow how long a finished read is reused for identical reads of the same identity
 *     (pods of one Deployment starting together); 0 disables reuse after completion
 * @param maxResponseBytes limit of the file contents of one mount, below the driver's 4 MiB gRPC
 *     message limit
 * @param requestTimeout timeout of one store request
 * @param unreachableHold the longest time a store address that refused a connection is not
 *     contacted again (requests fail at once meanwhile; the hold starts at 1 s and doubles with
 *     every failed probe); 0 turns fail-fast off
 * @param caCertDir the only directory an upstream {@code vaultCACertPath} may name a file in; unset
 *     refuses the parameter
 * @param objectVersionKeyFile where the key of the object-version HMAC is kept, so versions stay
 *     stable across restarts of the provider: a directory only the provider sees and writes (the
 *     chart mounts a memory emptyDir of the provider pod there), never the socket directory, which
 *     the driver and any other provider on the node share
 */
@ConfigurationProperties("secrets-store.provider")
public record ProviderProperties(
    @DefaultValue("/var/run/secrets-store-csi-providers") Path socketDir,
    @DefaultValue("secrets-store") String defaultAudience,
    @DefaultValue("false") boolean allowApiServerAudience,
    @DefaultValue({
          "https://kubernetes.default.svc.cluster.local",
          "https://kubernetes.default.svc"
        })
        List<String> apiServerAudiences,
    @DefaultValue("16") int maxStoreConcurrency,
    @DefaultValue("2s") Duration coalesceWindow,
    @DefaultValue("3145728") int maxResponseBytes,
    @DefaultValue("10s") Duration requestTimeout,
    @DefaultValue("5s") Duration unreachableHold,
    @DefaultValue(DEFAULT_OBJECT_VERSION_KEY_FILE) Path objectVersionKeyFile,
    Path caCertDir) {

  public static final String DEFAULT_OBJECT_VERSION_KEY_FILE =
      "/var/lib/secrets-store-csi-provider/object-version.key";

  public static final String SOCKET_NAME = "vault.sock";

  public Path socketPath() {
    return socketDir.resolve(SOCKET_NAME);
  }
}
