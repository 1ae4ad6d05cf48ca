package io.secretsstore.provider.mount;

import io.secretsstore.model.provider.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Locale;

/** How a secret value is turned into file bytes (the upstream provider's {@code encoding}). */
public enum ValueEncoding {
  /** Written as UTF-8 text. */
  UTF8,
  /** The value is Base64 text; the file gets the decoded bytes ({@code decodeBase64: true}). */
  BASE64,
  /** The value is hex text; the file gets the decoded bytes. */
  HEX;

  static ValueEncoding parse(String text, String objectName) {
    if (text == null || text.isBlank()) {
      return UTF8;
    }
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "utf-8", "utf8" -> UTF8;
      case "base64" -> BASE64;
      case "hex" -> HEX;
      default ->
          throw MountException.invalid(
              ErrorCode.INVALID_PARAMETERS,
              "object '"
                  + objectName
                  + "': encoding '"
                  + text
                  + "' is not one of utf-8, base64, hex");
    };
  }

  /** Decodes {@code text}; the message names the file, never the value. */
  byte[] apply(String text, String fileName) {
    try {
      return switch (this) {
        case UTF8 -> text.getBytes(StandardCharsets.UTF_8);
        // Strict alphabet; line breaks and spaces (wrapped Base64) are allowed.
        case BASE64 -> Base64.getDecoder().decode(text.replaceAll("\\s", ""));
        case HEX -> HexFormat.of().parseHex(text.strip());
      };
    } catch (IllegalArgumentException e) {
      throw MountException.invalid(
          ErrorCode.DECODE_FAILED,
          "file '"
              + fileName
              + "': the value is not valid "
              + (this == HEX ? "hex" : "Base64")
              + " text, but the import asks to decode it");
    }
  }
}
