package io.secretsstore.model.values;

import java.util.Optional;

/**
 * The one boolean grammar of annotations and injector variables, Go's {@code strconv.ParseBool}
 * (what the upstream webhook and injector accept): {@code 1, t, T, TRUE, true, True} and {@code 0,
 * f, F, FALSE, false, False}. Anything else (e.g. {@code yes}, {@code tRuE}) is not a boolean.
 */
public final class Booleans {

  /** How users are told what to write. */
  public static final String EXAMPLES = "true or false";

  private Booleans() {}

  /** The value, or empty when {@code text} is not a boolean (null included). */
  public static Optional<Boolean> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    return switch (text) {
      case "1", "t", "T", "TRUE", "true", "True" -> Optional.of(true);
      case "0", "f", "F", "FALSE", "false", "False" -> Optional.of(false);
      default -> Optional.empty();
    };
  }
}
