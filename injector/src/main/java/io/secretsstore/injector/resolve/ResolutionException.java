package io.secretsstore.injector.resolve;

/**
 * A variable could not be resolved. The message names the variable, the reference (paths and keys
 * are not secret) and the cause; never a value.
 */
public final class ResolutionException extends Exception {

  public ResolutionException(String message) {
    super(message);
  }
}
