package io.secretsstore.injector.resolve;

import io.secretsstore.injector.store.Json;
import io.secretsstore.model.reference.Template;
import io.secretsstore.model.reference.TemplateFunction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Evaluates a {@code ${...}} template over one secret's data: field access ({@code .}, {@code
 * .key}, {@code .nested.key}), string literals and the functions of {@link TemplateFunction}.
 */
final class TemplateEvaluator {

  private final SecretFiles files;

  /**
   * @param files where {@code file} puts values
   */
  TemplateEvaluator(SecretFiles files) {
    this.files = files;
  }

  /**
   * @param variable the variable the template is for (names the files of {@code file})
   */
  String evaluate(String variable, Template template, Map<String, Object> data)
      throws TemplateException {
    StringBuilder out = new StringBuilder();
    int[] fileCalls = {0};
    // instanceof, not a pattern switch: each pattern switch spins a class at every start, which
    // the AOT cache does not keep (see the bundle's README section).
    for (Template.Part part : template.parts()) {
      if (part instanceof Template.Text text) {
        out.append(text.text());
      } else if (part instanceof Template.Action action) {
        out.append(action(variable, fileCalls, action, data));
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

  private String action(
      String variable, int[] fileCalls, Template.Action action, Map<String, Object> data)
      throws TemplateException {
    String value = "";
    boolean missing = false;
    if (action.operand() instanceof Template.StringLiteral literal) {
      value = literal.value();
    } else if (action.operand() instanceof Template.Field field) {
      Object found = lookup(field.names(), data);
      missing = found == null;
      value = found == null ? "" : Values.text(found);
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
      value =
          call.function() == TemplateFunction.FILE
              ? writeFile(variable, fileCalls[0]++, value)
              : apply(call.function(), value);
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
    return current == Json.NULL ? null : current;
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
      case FILE, DEFAULT -> value; // handled by the caller
    };
  }

  /** The value in a file only the container's user can read; the variable holds the path. */
  private String writeFile(String variable, int index, String value) throws TemplateException {
    try {
      return files.store(variable, index, value);
    } catch (IOException e) {
      throw new TemplateException(
          "file: cannot write the value into a file: "
              + io.secretsstore.injector.log.Messages.plain(e.getMessage(), "write failed"),
          false);
    }
  }
}
