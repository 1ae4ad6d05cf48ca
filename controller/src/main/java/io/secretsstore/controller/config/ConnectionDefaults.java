package io.secretsstore.controller.config;

import io.secretsstore.model.connection.StoreAddress;
import io.secretsstore.model.connection.StoreAddressPolicy;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The module's store connection ({@code secrets-store.connection.*}); an import may override each.
 *
 * @param url store address
 * @param caCert PEM CA of the store; empty means the system CAs
 * @param authPath Kubernetes auth mount
 * @param namespace store namespace; empty means none
 * @param allowedAddresses store addresses imports may name besides {@code url}; empty allows any
 * @param allowInsecureHttp whether plain {@code http://} store addresses may be used (with a
 *     warning); off: the login token and the values would cross the network unencrypted
 */
@ConfigurationProperties("secrets-store.connection")
public record ConnectionDefaults(
    @DefaultValue("") String url,
    @DefaultValue("") String caCert,
    @DefaultValue("kubernetes") String authPath,
    @DefaultValue("") String namespace,
    @DefaultValue java.util.List<String> allowedAddresses,
    @DefaultValue("false") boolean allowInsecureHttp) {

  /** Where imports may send a service-account token (common-model's one rule). */
  public StoreAddressPolicy addressPolicy() {
    StoreAddress module = null;
    if (!url.isBlank()) {
      module = StoreAddress.parse(url);
    }
    return new StoreAddressPolicy(
        module, allowedAddresses.stream().map(StoreAddress::parse).toList(), allowInsecureHttp);
  }
}
