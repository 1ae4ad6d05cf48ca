package io.secretsstore.model.reference;

import java.util.List;

/**
 * A parsed template: literal text and {@code ${ operand | function args... }} actions. Rendering
 * against a secret's data is the injector's job; this is only the syntax tree.
 */
public record Template(List<Part> parts) {

  public Template {
    parts = List.copyOf(parts);
  }

  /** Literal text or an action. */
  public sealed interface Part permits Text, Action {}

  /** Literal text (with {@code $${} escapes already turned into {@code ${}). */
  public record Text(String text) implements Part {}

  /** {@code ${ operand | f1 args | f2 ... }}. */
  public record Action(Operand operand, List<FunctionCall> functions) implements Part {
    public Action {
      functions = List.copyOf(functions);
    }
  }

  /** What an action starts from. */
  public sealed interface Operand permits Field, StringLiteral {}

  /**
   * A field of the secret's data: {@code .} is the whole data, {@code .a.b} is key {@code b} of the
   * object under key {@code a}.
   */
  public record Field(List<String> names) implements Operand {
    public Field {
      names = List.copyOf(names);
    }
  }

  /** A double-quoted string. */
  public record StringLiteral(String value) implements Operand {}

  /** A function applied to the value so far, with its string arguments. */
  public record FunctionCall(TemplateFunction function, List<String> arguments) {
    public FunctionCall {
      arguments = List.copyOf(arguments);
    }
  }
}
