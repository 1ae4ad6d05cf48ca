package io.secretsstore.vault.error;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * A failure talking to the store.
 *
 * <p>The message names the operation, the store address, the path and the HTTP status, plus the
 * store's own error text with anything token-like redacted. It never contains a token, a JWT or a
 * secret value: callers may log it and show it to users (events, status, admission denials).
 */
public class StoreException extends RuntimeException {

  private final StoreErrorKind kind;
  private final String address;
  private final String path;
  private final OptionalInt httpStatus;

  public StoreException(
      StoreErrorKind kind,
      String address,
      String path,
      OptionalInt httpStatus,
      String detail,
      Throwable cause) {
    super(format(kind, address, path, httpStatus, detail), cause);
    this.kind = Objects.requireNonNull(kind, "kind");
    this.address = address;
    this.path = path;
    this.httpStatus = httpStatus;
  }

  public StoreErrorKind kind() {
    return kind;
  }

  /** Stable, low-cardinality error code, see {@link StoreErrorKind#code()}. */
  public String errorCode() {
    return kind.code();
  }

  public String address() {
    return address;
  }

  public String path() {
    return path;
  }

  public OptionalInt httpStatus() {
    return httpStatus;
  }

  public boolean retryable() {
    return kind.retryable();
  }

  private static String format(
      StoreErrorKind kind, String address, String path, OptionalInt status, String detail) {
    StringBuilder message = new StringBuilder(describe(kind));
    message.append(" (store ").append(address).append(", path ").append(path);
    status.ifPresent(code -> message.append(", HTTP ").append(code));
    message.append(')');
    if (detail != null && !detail.isBlank()) {
      message.append(": ").append(detail);
    }
    return message.toString();
  }

  private static String describe(StoreErrorKind kind) {
    return switch (kind) {
      case LOGIN_DENIED -> "store login denied";
      case PERMISSION_DENIED -> "permission denied by the store";
      case NOT_FOUND -> "secret not found";
      case VERSION_DELETED -> "secret version was deleted";
      case VERSION_DESTROYED -> "secret version was destroyed";
      case KEY_NOT_FOUND -> "key not found in secret";
      case BAD_REQUEST -> "store rejected the request";
      case RATE_LIMITED -> "store rate limit reached";
      case SERVER_ERROR -> "store server error";
      case UNREACHABLE -> "store unreachable";
      case TIMEOUT -> "store request timed out";
      case TLS -> "TLS handshake with the store failed";
      case INVALID_RESPONSE -> "unexpected answer from the store";
      case CANCELLED -> "store request abandoned: the caller gave up";
    };
  }
}
