package io.secretsstore.vault.error;

import java.util.regex.Pattern;

/**
 * Removes token-like text from strings that come from outside (the store's error messages) before
 * they reach an exception message, a log line or a Kubernetes object.
 */
public final class Redaction {

  /** Store tokens (hvs./hvb./hvr./s./b. prefixes) and JWTs (three base64url parts). */
  private static final Pattern TOKEN_LIKE =
      Pattern.compile(
          "\\b(?:hv[sbr]|[sbr])\\.[A-Za-z0-9_-]{8,}"
              + "|\\beyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

  private static final int MAX_LENGTH = 300;

  private Redaction() {}

  /** Redacts token-like text, folds control characters and caps the length. */
  public static String sanitize(String text) {
    if (text == null) {
      return "";
    }
    String redacted = TOKEN_LIKE.matcher(text).replaceAll("<redacted>");
    StringBuilder clean = new StringBuilder(Math.min(redacted.length(), MAX_LENGTH + 3));
    for (int i = 0; i < redacted.length() && clean.length() < MAX_LENGTH; i++) {
      char c = redacted.charAt(i);
      clean.append(Character.isISOControl(c) ? ' ' : c);
    }
    if (redacted.length() > MAX_LENGTH) {
      clean.append("...");
    }
    return clean.toString().strip();
  }
}
