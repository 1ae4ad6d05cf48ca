package io.secretsstore.provider.mount;

import io.grpc.Status;
import io.secretsstore.model.provider.ErrorCode;
import io.secretsstore.vault.error.StoreErrorKind;
import java.util.Objects;

/**
 * A mount that cannot be served. {@link #code()} is one of the closed set of common-model {@link
 * ErrorCode} (sent in the trailer {@code x-secrets-store-error-code}, the driver's {@code
 * error_type} metric label); the message is for the pod's events: it names the file, path, key or
 * parameter at fault, never a secret value or a token.
 */
public final class MountException extends RuntimeException {

  private final ErrorCode code;
  private final Status.Code status;

  public MountException(ErrorCode code, Status.Code status, String message) {
    this(code, status, message, null);
  }

  public MountException(ErrorCode code, Status.Code status, String message, Throwable cause) {
    super(message, cause);
    this.code = Objects.requireNonNull(code, "code");
    this.status = Objects.requireNonNull(status, "status");
  }

  public static MountException invalid(ErrorCode code, String message) {
    return new MountException(code, Status.Code.INVALID_ARGUMENT, message);
  }

  /** The error code of a store failure: every {@link StoreErrorKind} is one. */
  static ErrorCode codeOf(StoreErrorKind kind) {
    return ErrorCode.of(kind.code())
        .orElseThrow(() -> new IllegalStateException("no ErrorCode for " + kind));
  }

  public ErrorCode code() {
    return code;
  }

  public Status.Code status() {
    return status;
  }
}
