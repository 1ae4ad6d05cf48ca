package io.secretsstore.vault.error;

/**
 * What went wrong when talking to the store, as a small closed set.
 *
 * <p>The {@link #code()} is stable and low-cardinality: the CSI provider returns it as {@code
 * error.code}, and metrics use it as a tag.
 */
public enum StoreErrorKind {
  /** The login was refused: unknown role, service account not bound, invalid or expired JWT. */
  LOGIN_DENIED("login_denied", false),
  /** The token is not allowed to use this path (HTTP 403). */
  PERMISSION_DENIED("permission_denied", false),
  /** Nothing exists at this path (HTTP 404). */
  NOT_FOUND("not_found", false),
  /** The requested KV v2 version was deleted (it can be undeleted). */
  VERSION_DELETED("version_deleted", false),
  /** The requested KV v2 version was destroyed permanently. */
  VERSION_DESTROYED("version_destroyed", false),
  /** The secret exists but has no such key. */
  KEY_NOT_FOUND("key_not_found", false),
  /** The store rejected the request as malformed (HTTP 400, 405, ...). */
  BAD_REQUEST("bad_request", false),
  /** The store asked us to slow down (HTTP 429). */
  RATE_LIMITED("rate_limited", true),
  /** The store failed (HTTP 5xx), including a sealed or standby store. */
  SERVER_ERROR("server_error", true),
  /** The store could not be reached: connection refused, unknown host, reset. */
  UNREACHABLE("unreachable", true),
  /** The store did not answer in time. */
  TIMEOUT("timeout", true),
  /** The TLS handshake failed: untrusted certificate, wrong host name, protocol mismatch. */
  TLS("tls", false),
  /** The store answered with something we cannot interpret. */
  INVALID_RESPONSE("invalid_response", false),
  /**
   * The caller gave up (its thread was interrupted: a cancelled gRPC call, a passed deadline): the
   * request was abandoned and is not repeated.
   */
  CANCELLED("cancelled", false);

  private final String code;
  private final boolean retryable;

  StoreErrorKind(String code, boolean retryable) {
    this.code = code;
    this.retryable = retryable;
  }

  public String code() {
    return code;
  }

  /** Whether another attempt may succeed (connection problems, 429, 5xx). */
  public boolean retryable() {
    return retryable;
  }

  /** True for the kinds that mean "this secret or key does not exist (any more)". */
  public boolean isMissingSecret() {
    return this == NOT_FOUND
        || this == VERSION_DELETED
        || this == VERSION_DESTROYED
        || this == KEY_NOT_FOUND;
  }
}
