package io.secretsstore.model.reference;

import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/** The functions a template may apply, with their number of string arguments. */
public enum TemplateFunction {
  /** Encodes the value as Base64. */
  BASE64ENCODE("base64encode", 0),
  /** Decodes a Base64 value. */
  BASE64DECODE("base64decode", 0),
  /** The argument if the value is missing or empty. */
  DEFAULT("default", 1),
  /** Wraps the value in double quotes, escaping quotes and backslashes. */
  QUOTE("quote", 0),
  /** Removes leading and trailing whitespace. */
  TRIM("trim", 0),
  /** Upper-cases the value. */
  UPPER("upper", 0),
  /** Lower-cases the value. */
  LOWER("lower", 0),
  /** Writes the value to a file in memory and yields the file's path. */
  FILE("file", 0);

  private final String templateName;
  private final int arity;

  TemplateFunction(String templateName, int arity) {
    this.templateName = templateName;
    this.arity = arity;
  }

  /** The name used in templates. */
  public String templateName() {
    return templateName;
  }

  public int arity() {
    return arity;
  }

  static Optional<TemplateFunction> byName(String name) {
    return Arrays.stream(values())
        .filter(function -> function.templateName.equals(name))
        .findFirst();
  }

  static String knownNames() {
    return Arrays.stream(values())
        .map(TemplateFunction::templateName)
        .sorted()
        .collect(Collectors.joining(", "));
  }
}
