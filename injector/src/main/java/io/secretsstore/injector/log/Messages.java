package io.secretsstore.injector.log;

import java.util.regex.Pattern;

/** Exception texts as users read them: without the JDK's class names, on one line. */
public final class Messages {

  /**
   * {@code java.io.IOException: }, {@code sun.security...CertPathBuilderException: } and the like.
   */
  private static final Pattern CLASS_NAME =
      Pattern.compile(
          "\\b(?:(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:Exception|Error)\\b:?"
              + "|[A-Z][A-Za-z0-9_$]*(?:Exception|Error):)\\s*");

  private Messages() {}

  /** The message without class names and line breaks; {@code fallback} when nothing is left. */
  public static String plain(String message, String fallback) {
    if (message == null) {
      return fallback;
    }
    String text = CLASS_NAME.matcher(message).replaceAll("").replaceAll("\\s+", " ").strip();
    return text.isEmpty() ? fallback : text;
  }
}
