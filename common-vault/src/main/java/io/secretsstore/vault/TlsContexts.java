package io.secretsstore.vault;

import javax.net.ssl.SSLContext;

/**
 * The {@link SSLContext} for a {@link TlsOptions}, for clients that do not use {@link StoreClient}
 * (the injector has its own framework-free client and shares only this trust rule). Uses JDK
 * classes only: keep it that way, the injector loads it without Spring on its class path.
 */
public final class TlsContexts {

  private TlsContexts() {}

  /**
   * @throws IllegalArgumentException if the configured CA is not a readable PEM certificate
   */
  public static SSLContext forOptions(TlsOptions options) {
    return StoreTls.sslContext(options);
  }
}
