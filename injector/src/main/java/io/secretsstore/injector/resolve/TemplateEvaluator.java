package io.secretsstore.injector.resolve;

import io.secretsstore.model.reference.Template;
import io.secretsstore.model.reference.TemplateFunction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a {@code ${...}} template over one secret's data: field access ({@code .}, {@code
 * .key}, {@code .nested.key}), string literals and the functions of {@link TemplateFunction}.
 */
final class TemplateEvaluator {

  private final Path fileDirectory;

  /**
   * @param fileDirectory where {@code file} writes values (an in-memory directory)
   */
  TemplateEvaluator(Path fileDirectory) {
    this.fileDirectory = fileDirectory;
  }

  String evaluate(Template template, Map<String, Object> data) throws TemplateException {
    StringBuilder out = new StringBuilder();
    for (Template.Part part : template.parts()) {
      switch (part) {
        case Template.Text text -> out.append(text.text());
        case Template.Action action -> out.append(action(action, data));
      }
    }
    return out.toString();
  }

  /** A template failed for a reason the user can fix (a missing field, bad Base64). */
  static final class TemplateException extends Exception {
    final boolean missing;

    TemplateException(String message, boolean missing) {
      super(message);
      this.missing = missing;
    }
  }

  private String action(Template.Action action, Map<String, Object> data) throws TemplateException {
    String value;
    boolean missing = false;
    switch (action.operand()) {
      case Template.StringLiteral literal -> value = literal.value();
      case Template.Field field -> {
        Object found = lookup(field.names(), data);
        missing = found == null;
        value = found == null ? "" : Values.text(found);
      }
    }
    boolean defaulted = false;
    for (Template.FunctionCall call : action.functions()) {
      if (call.function() == TemplateFunction.DEFAULT) {
        if (value.isEmpty()) {
          value = call.arguments().getFirst();
          defaulted = true;
        }
        continue;
      }
      value = apply(call.function(), value);
    }
    if (missing && !defaulted) {
      throw new TemplateException(
          "the secret has no field "
              + String.join(
                  ".", action.operand() instanceof Template.Field f ? f.names() : List.of()),
          true);
    }
    return value;
  }

  private static Object lookup(List<String> names, Map<String, Object> data) {
    Object current = data;
    for (String name : names) {
      if (!(current instanceof Map<?, ?> map)) {
        return null;
      }
      current = map.get(name);
    }
    return current;
  }

  private String apply(TemplateFunction function, String value) throws TemplateException {
    return switch (function) {
      case BASE64ENCODE ->
          Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
      case BASE64DECODE -> {
        try {
          yield new String(Base64.getDecoder().decode(value.trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          throw new TemplateException("base64decode: the value is not Base64", false);
        }
      }
      case QUOTE -> "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
      case TRIM -> value.strip();
      case UPPER -> value.toUpperCase(java.util.Locale.ROOT);
      case LOWER -> value.toLowerCase(java.util.Locale.ROOT);
      case FILE -> writeFile(value);
      case DEFAULT -> value;
    };
  }

  /** The value in a file only the container's user can read; the variable holds the path. */
  private String writeFile(String value) throws TemplateException {
    try {
      Files.createDirectories(fileDirectory);
      Path file =
          Files.createTempFile(
              fileDirectory,
              "secret-",
              "",
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, value);
      return file.toString();
    } catch (IOException e) {
      throw new TemplateException(
          "file: cannot write into " + fileDirectory + ": " + e.getMessage(), false);
    }
  }
}
