package io.secretsstore.vault.error;

import java.util.OptionalInt;

/**
 * The secret, its requested version or the requested key does not exist. Callers that may ignore
 * missing secrets (the injector's {@code ignore-missing-secrets}) catch exactly this type.
 */
public class SecretNotFoundException extends StoreException {
  public SecretNotFoundException(
      StoreErrorKind kind, String address, String path, OptionalInt httpStatus, String detail) {
    super(kind, address, path, httpStatus, detail, null);
    if (!kind.isMissingSecret()) {
      throw new IllegalArgumentException(kind + " is not a missing-secret kind");
    }
  }
}
