package io.secretsstore.provider.config;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the provider ({@code secrets-store.provider.*}).
 *
 * @param socketDir directory of the provider socket; the socket is {@code <socketDir>/vault.sock}
 * @param defaultAudience audience of the kubelet-issued token to log in with when an import names
 *     none; empty means the API server's own audience, which store roles without an {@code
 *     audience} setting expect (the module's documented setup)
 * @param maxStoreConcurrency store requests in flight at once, across all mounts
 * @param coalesceWindow how long a finished read is reused for identical reads of the same identity
 *     (pods of one Deployment starting together); 0 disables reuse after completion
 * @param maxResponseBytes limit of the file contents of one mount, below the driver's 4 MiB gRPC
 *     message limit
 * @param requestTimeout timeout of one store request
 * @param objectVersionKeyFile where the key of the object-version HMAC is kept, so versions stay
 *     stable across restarts of the provider
 */
@ConfigurationProperties("secrets-store.provider")
public record ProviderProperties(
    @DefaultValue("/var/run/secrets-store-csi-providers") Path socketDir,
    @DefaultValue("") String defaultAudience,
    @DefaultValue("16") int maxStoreConcurrency,
    @DefaultValue("2s") Duration coalesceWindow,
    @DefaultValue("3145728") int maxResponseBytes,
    @DefaultValue("10s") Duration requestTimeout,
    Path objectVersionKeyFile) {

  public static final String SOCKET_NAME = "vault.sock";

  public Path socketPath() {
    return socketDir.resolve(SOCKET_NAME);
  }

  public Path objectVersionKeyPath() {
    return objectVersionKeyFile != null
        ? objectVersionKeyFile
        : socketDir.resolve(".vault-provider-object-version.key");
  }
}
