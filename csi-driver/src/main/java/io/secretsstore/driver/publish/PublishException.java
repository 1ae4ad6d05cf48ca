package io.secretsstore.driver.publish;

import io.grpc.Status;

/**
 * A failed publish, rotation or unpublish. {@link #errorType()} is the metric label and event
 * reason detail; the message is what the pod's events show (never a value or a token).
 */
public final class PublishException extends Exception {

  private final Status.Code status;
  private final String errorType;

  public PublishException(Status.Code status, String errorType, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
    this.errorType = errorType;
  }

  public static PublishException invalid(String message) {
    return new PublishException(Status.Code.INVALID_ARGUMENT, "invalid_request", message, null);
  }

  public Status.Code status() {
    return status;
  }

  public String errorType() {
    return errorType;
  }
}
