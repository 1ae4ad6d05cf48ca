package io.secretsstore.model.connection;

import java.util.List;

/**
 * The module's connection settings as configured (ModuleConfig {@code connectionConfiguration} and
 * {@code connection.*}, services' {@code secrets-store.connection.*}), before defaults and checks.
 * Every field may be null or empty: {@link #resolve()} applies the defaults and refuses what is
 * wrong. Plain Java so every service binds the same thing.
 *
 * @param configuration {@code DiscoverLocalStronghold} (default) or {@code Manual}
 * @param url the store address ({@code Manual} only)
 * @param caCert PEM CA of the store; for {@code DiscoverLocalStronghold} it replaces the discovered
 *     one
 * @param authPath Kubernetes auth mount; default {@code kubernetes_local} for the local Stronghold,
 *     {@code kubernetes} for {@code Manual}
 * @param namespace store namespace (X-Vault-Namespace); empty for none
 * @param localStrongholdCaCert the local Stronghold's CA, {@code ca.crt} of the Secret {@code
 *     d8-stronghold/stronghold-tls}, which the chart passes in ({@code DiscoverLocalStronghold}
 *     only)
 * @param allowedAddresses store addresses pods and imports may name besides the module's own; empty
 *     allows any
 * @param allowInsecureHttp whether plain {@code http://} store addresses may be used at all
 */
public record ModuleConnectionSettings(
    String configuration,
    String url,
    String caCert,
    String authPath,
    String namespace,
    String localStrongholdCaCert,
    List<String> allowedAddresses,
    Boolean allowInsecureHttp) {

  public ModuleConnectionSettings {
    configuration = trim(configuration);
    url = trim(url);
    caCert = caCert == null ? "" : caCert.strip();
    authPath = trim(authPath);
    namespace = trim(namespace);
    localStrongholdCaCert = localStrongholdCaCert == null ? "" : localStrongholdCaCert.strip();
    allowedAddresses =
        allowedAddresses == null
            ? List.of()
            : allowedAddresses.stream().map(String::trim).filter(a -> !a.isEmpty()).toList();
    allowInsecureHttp = Boolean.TRUE.equals(allowInsecureHttp);
  }

  /** Settings for a store at {@code url} with everything else default ({@code Manual}). */
  public static ModuleConnectionSettings manual(String url) {
    return new ModuleConnectionSettings("Manual", url, "", "", "", "", List.of(), false);
  }

  /**
   * The connection these settings mean.
   *
   * @throws IllegalArgumentException naming the setting that is wrong and what it accepts
   */
  public ModuleConnection resolve() {
    return ModuleConnection.resolve(this);
  }

  private static String trim(String value) {
    return value == null ? "" : value.trim();
  }
}
