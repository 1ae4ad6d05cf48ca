package io.secretsstore.provider.mount;

import io.grpc.Status;

/**
 * A mount that cannot be served. {@link #code()} is the stable, low-cardinality error code (the
 * driver's {@code error_type} metric label); the message is for the pod's events: it names the
 * file, path, key or parameter at fault, never a secret value or a token.
 */
public final class MountException extends RuntimeException {

  private final String code;
  private final Status.Code status;

  public MountException(String code, Status.Code status, String message) {
    this(code, status, message, null);
  }

  public MountException(String code, Status.Code status, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.status = status;
  }

  public static MountException invalid(String code, String message) {
    return new MountException(code, Status.Code.INVALID_ARGUMENT, message);
  }

  public String code() {
    return code;
  }

  public Status.Code status() {
    return status;
  }
}
