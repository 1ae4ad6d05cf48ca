package io.secretsstore.driver.provider;

/**
 * A provider call that failed. {@link #code()} is the stable error code: the provider's own (from
 * the {@value ProviderClients#ERROR_CODE_TRAILER} trailer), {@code provider_not_found}, {@code
 * provider_unavailable}, {@code provider_timeout} or {@code provider_error} for providers that send
 * no code.
 */
public final class ProviderException extends Exception {

  private final String code;

  public ProviderException(String code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public String code() {
    return code;
  }
}
