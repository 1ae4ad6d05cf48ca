package io.secretsstore.model.values;

import java.util.Base64;

/**
 * The one rule for {@code decodeBase64: true} (CSI files and Secret-mode keys alike): the standard
 * Base64 alphabet (RFC 4648 §4), padding optional, ASCII whitespace anywhere ignored, so wrapped
 * output of {@code base64} or PEM-like line breaks decode. The URL-safe alphabet and any other
 * character are refused: a value that is not Base64 is an error, never silently mangled.
 */
public final class Base64Values {

  private Base64Values() {}

  /**
   * The bytes {@code text} encodes.
   *
   * @throws IllegalArgumentException when it is not Base64; the message never quotes the value (it
   *     is a secret): callers name the file or key
   */
  public static byte[] decode(String text) {
    StringBuilder compact = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
        compact.append(c);
      }
    }
    try {
      return Base64.getDecoder().decode(compact.toString());
    } catch (IllegalArgumentException e) {
      // The JDK's message can quote a character of the value.
      throw new IllegalArgumentException("the value is not Base64 text");
    }
  }
}
