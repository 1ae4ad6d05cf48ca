package io.secretsstore.model.reference;

/**
 * A small JSON syntax checker (RFC 8259) for the body of {@code >>secrets-store:} references: the
 * body must be one JSON object and nothing else. No values are built; nothing is allocated per
 * character.
 */
final class JsonSyntax {

  private final String text;
  private int position;

  private JsonSyntax(String text, int start) {
    this.text = text;
    this.position = start;
  }

  /** Checks that {@code text} from {@code start} to its end is exactly one JSON object. */
  static void requireObject(String text, int start) {
    JsonSyntax json = new JsonSyntax(text, start);
    json.skipWhitespace();
    if (json.peek() != '{') {
      throw json.error("the write body must be a JSON object starting with '{'");
    }
    json.value(0);
    json.skipWhitespace();
    if (json.position < text.length()) {
      throw json.error("unexpected text after the JSON object");
    }
  }

  private void value(int depth) {
    if (depth > 64) {
      throw error("the JSON body is nested too deeply");
    }
    skipWhitespace();
    char c = peek();
    switch (c) {
      case '{' -> object(depth);
      case '[' -> array(depth);
      case '"' -> string();
      case 't' -> literal("true");
      case 'f' -> literal("false");
      case 'n' -> literal("null");
      default -> {
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
        } else {
          throw error(
              position >= text.length() ? "the JSON body ends too early" : "invalid JSON value");
        }
      }
    }
  }

  private void object(int depth) {
    position++; // {
    skipWhitespace();
    if (peek() == '}') {
      position++;
      return;
    }
    while (true) {
      skipWhitespace();
      if (peek() != '"') {
        throw error("expected a quoted member name in the JSON body");
      }
      string();
      skipWhitespace();
      expect(':', "expected ':' after a member name in the JSON body");
      value(depth + 1);
      skipWhitespace();
      if (peek() == ',') {
        position++;
      } else if (peek() == '}') {
        position++;
        return;
      } else {
        throw error("expected ',' or '}' in the JSON body");
      }
    }
  }

  private void array(int depth) {
    position++; // [
    skipWhitespace();
    if (peek() == ']') {
      position++;
      return;
    }
    while (true) {
      value(depth + 1);
      skipWhitespace();
      if (peek() == ',') {
        position++;
      } else if (peek() == ']') {
        position++;
        return;
      } else {
        throw error("expected ',' or ']' in the JSON body");
      }
    }
  }

  private void string() {
    position++; // "
    while (position < text.length()) {
      char c = text.charAt(position++);
      if (c == '"') {
        return;
      }
      if (c < 0x20) {
        position--;
        throw error("control character inside a JSON string");
      }
      if (c == '\\') {
        char escaped = peek();
        position++;
        if (escaped == 'u') {
          for (int i = 0; i < 4; i++) {
            if (Character.digit(peek(), 16) < 0) {
              throw error("invalid \\u escape in a JSON string");
            }
            position++;
          }
        } else if ("\"\\/bfnrt".indexOf(escaped) < 0) {
          position--;
          throw error("invalid escape in a JSON string");
        }
      }
    }
    throw error("unterminated JSON string");
  }

  private void number() {
    if (peek() == '-') {
      position++;
    }
    if (peek() == '0') {
      position++;
    } else if (peek() >= '1' && peek() <= '9') {
      digits();
    } else {
      throw error("invalid JSON number");
    }
    if (peek() == '.') {
      position++;
      if (!(peek() >= '0' && peek() <= '9')) {
        throw error("invalid JSON number");
      }
      digits();
    }
    if (peek() == 'e' || peek() == 'E') {
      position++;
      if (peek() == '+' || peek() == '-') {
        position++;
      }
      if (!(peek() >= '0' && peek() <= '9')) {
        throw error("invalid JSON number");
      }
      digits();
    }
  }

  private void digits() {
    while (peek() >= '0' && peek() <= '9') {
      position++;
    }
  }

  private void literal(String word) {
    if (!text.startsWith(word, position)) {
      throw error("invalid JSON value");
    }
    position += word.length();
  }

  private void expect(char c, String message) {
    if (peek() != c) {
      throw error(message);
    }
    position++;
  }

  private void skipWhitespace() {
    while (position < text.length() && " \t\n\r".indexOf(text.charAt(position)) >= 0) {
      position++;
    }
  }

  /** The current character, or NUL at the end. */
  private char peek() {
    return position < text.length() ? text.charAt(position) : '\0';
  }

  private ReferenceSyntaxException error(String message) {
    return new ReferenceSyntaxException(message, position);
  }
}
