package io.secretsstore.controller.secrets;

/**
 * A failure the Secret mode reports in the import's status: the reason (condition reason), a
 * one-line message for the user, and whether a retry may help (store 429/5xx/unreachable, API
 * server 5xx).
 */
public final class SyncFailure extends Exception {
  private final String reason;
  private final boolean retryable;

  SyncFailure(String reason, String message, boolean retryable) {
    super(message);
    this.reason = reason;
    this.retryable = retryable;
  }

  public String reason() {
    return reason;
  }

  public boolean retryable() {
    return retryable;
  }
}
