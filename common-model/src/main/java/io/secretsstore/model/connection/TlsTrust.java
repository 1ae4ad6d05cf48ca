package io.secretsstore.model.connection;

import java.util.Optional;

/**
 * The one order in which the trust for a store's TLS certificate is chosen (pure: the caller maps
 * the decision to its TLS setup: common-vault's {@code TlsOptions}, the injector's variables):
 *
 * <ol>
 *   <li>{@code skipTLSVerify} wins over everything, with a warning (the CA given is ignored);
 *   <li>a PEM CA given with the request (an import's {@code caCert}, a SecretProviderClass's {@code
 *       vaultCACert});
 *   <li>a CA file given with the request (the {@code tls-secret} annotation's mounted {@code
 *       ca.crt}, {@code vaultCACertPath});
 *   <li>the module's CA, only when the address is the module's own store (the module's CA must not
 *       vouch for an address a tenant chose);
 *   <li>the system CAs.
 * </ol>
 */
public final class TlsTrust {

  /** Where the trust comes from. */
  public enum Source {
    SKIP_VERIFY,
    REQUEST_PEM,
    REQUEST_FILE,
    MODULE_CA,
    SYSTEM_CAS
  }

  /**
   * What a request for a store connection says about TLS; null or blank fields are not given.
   *
   * @param address the store address the connection goes to (after defaults)
   * @param skipVerify whether the request turns verification off
   * @param caCertPem a PEM CA given with the request
   * @param caCertFile a file with a PEM CA given with the request
   */
  public record Request(String address, boolean skipVerify, String caCertPem, String caCertFile) {}

  /**
   * The decision.
   *
   * @param source where the trust comes from
   * @param pem the PEM to trust ({@link Source#REQUEST_PEM}, {@link Source#MODULE_CA})
   * @param file the file to trust ({@link Source#REQUEST_FILE})
   * @param warning what to tell the user ({@link Source#SKIP_VERIFY})
   */
  public record Decision(
      Source source, Optional<String> pem, Optional<String> file, Optional<String> warning) {}

  /**
   * The module's own store, as the service was configured (the chart resolves the module settings
   * into these: {@code connectionConfiguration}, {@code connection.url}/{@code caCert}, the local
   * Stronghold's CA).
   *
   * @param address the module's store address, if one is configured
   * @param caCert the PEM CA that verifies it, if any
   */
  public record Module(Optional<StoreAddress> address, Optional<String> caCert) {

    /** No module store: only what a request brings, or the system CAs. */
    public static final Module NONE = new Module(Optional.empty(), Optional.empty());

    /**
     * From the service's settings; blank means not set.
     *
     * @throws IllegalArgumentException when {@code url} is set but not a store address
     */
    public static Module of(String url, String caCertPem) {
      return new Module(
          url == null || url.isBlank() ? Optional.empty() : Optional.of(StoreAddress.parse(url)),
          caCertPem == null || caCertPem.isBlank()
              ? Optional.empty()
              : Optional.of(caCertPem.strip()));
    }

    /** Whether {@code address} is the module's own store (however it is spelled). */
    public boolean isModuleAddress(String address) {
      if (this.address.isEmpty() || address == null) {
        return false;
      }
      try {
        return StoreAddress.parse(address).equals(this.address.get());
      } catch (IllegalArgumentException e) {
        return false;
      }
    }
  }

  private TlsTrust() {}

  public static Decision decide(Request request, Module module) {
    boolean pemGiven = isSet(request.caCertPem());
    boolean fileGiven = isSet(request.caCertFile());
    if (request.skipVerify()) {
      return new Decision(
          Source.SKIP_VERIFY,
          Optional.empty(),
          Optional.empty(),
          Optional.of(
              "TLS verification of the store "
                  + request.address()
                  + " is turned off (skipTLSVerify): any server on the way can pose as the store"
                  + " and receive the login token"
                  + (pemGiven || fileGiven ? "; the CA certificate given is ignored" : "")
                  + ". Give the store's CA certificate instead."));
    }
    if (pemGiven) {
      return new Decision(
          Source.REQUEST_PEM, Optional.of(request.caCertPem()), Optional.empty(), Optional.empty());
    }
    if (fileGiven) {
      return new Decision(
          Source.REQUEST_FILE,
          Optional.empty(),
          Optional.of(request.caCertFile()),
          Optional.empty());
    }
    if (module.caCert().isPresent() && module.isModuleAddress(request.address())) {
      return new Decision(Source.MODULE_CA, module.caCert(), Optional.empty(), Optional.empty());
    }
    return new Decision(Source.SYSTEM_CAS, Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static boolean isSet(String value) {
    return value != null && !value.isBlank();
  }
}
