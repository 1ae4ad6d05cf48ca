package io.secretsstore.injector.store;

import java.nio.charset.StandardCharsets;

/**
 * Store paths before they become part of a URL: surrounding slashes stripped; empty, {@code .} and
 * {@code ..} segments, control characters and characters that would change the request ({@code ?},
 * {@code #}, {@code %}, {@code \}) refused; everything but letters, digits and {@code -_.~@:+=,}
 * percent-encoded as UTF-8, so paths with non-ASCII names reach the store as written.
 */
final class StorePaths {

  private StorePaths() {}

  static String require(String path, String what) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("the " + what + " is empty");
    }
    String trimmed = path.strip();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " is empty");
    }
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      if (Character.isISOControl(c) || Character.isWhitespace(c) || "?#%\\".indexOf(c) >= 0) {
        throw new IllegalArgumentException(
            "the " + what + " '" + path + "' contains a character not allowed in a store path");
      }
    }
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "the " + what + " '" + path + "' must not contain empty, '.' or '..' segments");
      }
    }
    return trimmed;
  }

  /** Percent-encodes a validated path segment by segment (the slashes stay). */
  static String encode(String path) {
    StringBuilder out = new StringBuilder(path.length() + 16);
    for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if ((c >= 'a' && c <= 'z')
          || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9')
          || "-_.~@:+=,/".indexOf(c) >= 0) {
        out.append((char) c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return out.toString();
  }
}
