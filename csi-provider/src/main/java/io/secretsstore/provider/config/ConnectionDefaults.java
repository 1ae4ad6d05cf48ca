package io.secretsstore.provider.config;

import io.secretsstore.model.connection.StoreAddress;
import io.secretsstore.model.connection.StoreAddressPolicy;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The module's store connection ({@code secrets-store.connection.*}, the ModuleConfig {@code
 * connection.*} settings); every import may override each of them.
 *
 * @param url store address, e.g. https://stronghold.example.com
 * @param caCert PEM CA of the store's certificate; empty means the system CAs
 * @param authPath mount path of the Kubernetes auth method
 * @param namespace store namespace; empty means none
 * @param allowedAddresses store addresses an import or SecretProviderClass may name besides {@code
 *     url} (module setting {@code connection.allowedAddresses}); empty allows any
 */
@ConfigurationProperties("secrets-store.connection")
public record ConnectionDefaults(
    @DefaultValue("") String url,
    @DefaultValue("") String caCert,
    @DefaultValue("kubernetes") String authPath,
    @DefaultValue("") String namespace,
    @DefaultValue List<String> allowedAddresses) {

  /**
   * Where a pod's token may go: the module's store, and any other address only if the allowlist is
   * empty or lists it. Plain http is allowed (upstream SecretProviderClasses use it in-cluster),
   * with a warning.
   */
  public StoreAddressPolicy addressPolicy() {
    StoreAddress module = url.isBlank() ? null : StoreAddress.parse(url);
    return new StoreAddressPolicy(
        module, allowedAddresses.stream().map(StoreAddress::parse).toList(), true);
  }
}
