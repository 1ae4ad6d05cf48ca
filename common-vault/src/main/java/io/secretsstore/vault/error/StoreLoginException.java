package io.secretsstore.vault.error;

import java.util.OptionalInt;

/**
 * The Kubernetes-auth login failed; {@link #kind()} tells whether it was refused or unreachable.
 */
public class StoreLoginException extends StoreException {
  public StoreLoginException(
      StoreErrorKind kind,
      String address,
      String path,
      OptionalInt httpStatus,
      String detail,
      Throwable cause) {
    super(kind, address, path, httpStatus, detail, cause);
  }
}
