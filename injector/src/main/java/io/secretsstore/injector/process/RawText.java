package io.secretsstore.injector.process;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Bytes of the environment and the arguments as Java strings, losslessly: valid UTF-8 is decoded,
 * every byte that is not part of valid UTF-8 becomes the lone surrogate {@code U+DC80 + byte}
 * (Python's "surrogateescape"), and {@link #encode} turns such strings back into exactly the bytes
 * they came from. The JVM itself decodes the environment with the locale's charset, which in a
 * container without {@code LANG} is ASCII: every other byte would become {@code U+FFFD}.
 */
public final class RawText {

  private RawText() {}

  public static String decode(byte[] bytes) {
    CharsetDecoder strict =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return strict.decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException notUtf8) {
      return decodeEscaping(bytes);
    }
  }

  private static String decodeEscaping(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length);
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer chars = CharBuffer.allocate(bytes.length + 1);
    while (in.hasRemaining()) {
      var result = decoder.decode(in, chars, true);
      chars.flip();
      out.append(chars);
      chars.clear();
      if (result.isError()) {
        for (int i = 0; i < result.length(); i++) {
          out.append((char) (0xDC00 | (in.get() & 0xff)));
        }
      } else if (result.isUnderflow()) {
        break;
      }
    }
    decoder.flush(chars);
    chars.flip();
    return out.append(chars).toString();
  }

  /** The bytes a {@link #decode}d string came from; other text as UTF-8. */
  public static byte[] encode(String text) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0xDC80 && c <= 0xDCFF && !isPairedLowSurrogate(text, i)) {
        out.writeBytes(text.substring(start, i).getBytes(StandardCharsets.UTF_8));
        out.write(c & 0xff);
        start = i + 1;
      }
    }
    out.writeBytes(text.substring(start).getBytes(StandardCharsets.UTF_8));
    return out.toByteArray();
  }

  private static boolean isPairedLowSurrogate(String text, int index) {
    return index > 0 && Character.isHighSurrogate(text.charAt(index - 1));
  }

  /** True if the text holds bytes that were not valid UTF-8. */
  public static boolean hasInvalidBytes(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c >= 0xDC80 && c <= 0xDCFF && !isPairedLowSurrogate(text, i)) {
        return true;
      }
    }
    return false;
  }
}
