package io.secretsstore.model.reference;

import io.secretsstore.model.reference.Template.Action;
import io.secretsstore.model.reference.Template.Field;
import io.secretsstore.model.reference.Template.FunctionCall;
import io.secretsstore.model.reference.Template.Operand;
import io.secretsstore.model.reference.Template.Part;
import io.secretsstore.model.reference.Template.StringLiteral;
import io.secretsstore.model.reference.Template.Text;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Parses the template part of {@code secrets-store:<path>#<template>}. */
final class TemplateParser {

  private static final Pattern FIELD_NAME = Pattern.compile("[A-Za-z0-9_-]+");

  private final String value;
  private int position;
  private final int end;

  private TemplateParser(String value, int start, int end) {
    this.value = value;
    this.position = start;
    this.end = end;
  }

  static Template parse(String value, int start, int end) {
    return new TemplateParser(value, start, end).template();
  }

  private Template template() {
    List<Part> parts = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    boolean hasAction = false;
    while (position < end) {
      if (value.startsWith("$${", position) && position + 3 <= end) {
        text.append("${");
        position += 3;
      } else if (value.startsWith("${", position) && position + 2 <= end) {
        if (!text.isEmpty()) {
          parts.add(new Text(text.toString()));
          text.setLength(0);
        }
        parts.add(action());
        hasAction = true;
      } else {
        text.append(value.charAt(position++));
      }
    }
    if (!text.isEmpty()) {
      parts.add(new Text(text.toString()));
    }
    if (!hasAction) {
      throw new ReferenceSyntaxException(
          "the template has no ${...} action (only escaped '$${' text)", end);
    }
    return new Template(parts);
  }

  /** {@code ${ operand (| function args...)* }}, starting at "${". */
  private Action action() {
    int open = position;
    position += 2;
    List<Token> tokens = tokenize(open);
    if (tokens.isEmpty()) {
      throw new ReferenceSyntaxException("empty '${}' in the template", open);
    }
    int index = 0;
    Operand operand = operand(tokens.get(index++));
    List<FunctionCall> functions = new ArrayList<>();
    while (index < tokens.size()) {
      Token pipe = tokens.get(index++);
      if (!pipe.isPipe()) {
        throw new ReferenceSyntaxException(
            "expected '|' before '" + pipe.text() + "' (functions are applied with '| name')",
            pipe.position());
      }
      if (index == tokens.size() || tokens.get(index).isPipe()) {
        throw new ReferenceSyntaxException("expected a function name after '|'", pipe.position());
      }
      Token name = tokens.get(index++);
      if (name.quoted()) {
        throw new ReferenceSyntaxException(
            "expected a function name after '|' but found a string", name.position());
      }
      TemplateFunction function =
          TemplateFunction.byName(name.text())
              .orElseThrow(
                  () ->
                      new ReferenceSyntaxException(
                          "unknown function '"
                              + name.text()
                              + "' (known: "
                              + TemplateFunction.knownNames()
                              + ")",
                          name.position()));
      List<String> arguments = new ArrayList<>();
      while (index < tokens.size() && !tokens.get(index).isPipe()) {
        Token argument = tokens.get(index++);
        if (!argument.quoted()) {
          throw new ReferenceSyntaxException(
              "function arguments must be double-quoted strings, found '" + argument.text() + "'",
              argument.position());
        }
        arguments.add(argument.text());
      }
      if (arguments.size() != function.arity()) {
        throw new ReferenceSyntaxException(
            "function '"
                + function.templateName()
                + "' takes "
                + function.arity()
                + (function.arity() == 1 ? " argument" : " arguments")
                + ", got "
                + arguments.size(),
            name.position());
      }
      functions.add(new FunctionCall(function, arguments));
    }
    return new Action(operand, functions);
  }

  private Operand operand(Token token) {
    if (token.quoted()) {
      return new StringLiteral(token.text());
    }
    String text = token.text();
    if (text.equals(".")) {
      return new Field(List.of());
    }
    if (text.startsWith(".") && !text.endsWith(".")) {
      List<String> names = List.of(text.substring(1).split("\\.", -1));
      if (names.stream().allMatch(name -> FIELD_NAME.matcher(name).matches())) {
        return new Field(names);
      }
    }
    throw new ReferenceSyntaxException(
        "expected a field like .password (or . for all data) or a \"string\", found '" + text + "'",
        token.position());
  }

  /** Splits the action up to its closing '}' into words, '|' and double-quoted strings. */
  private List<Token> tokenize(int open) {
    List<Token> tokens = new ArrayList<>();
    while (true) {
      if (position >= end) {
        throw new ReferenceSyntaxException("'${' is not closed by '}' in the template", open);
      }
      char c = value.charAt(position);
      if (c == '}') {
        position++;
        return tokens;
      }
      if (c == ' ' || c == '\t') {
        position++;
      } else if (c == '|') {
        tokens.add(new Token("|", position, false));
        position++;
      } else if (c == '"') {
        tokens.add(quoted(open));
      } else if (c == '{' || Character.isISOControl(c)) {
        throw new ReferenceSyntaxException(
            "unexpected " + (c == '{' ? "'{'" : "control character") + " inside '${...}'",
            position);
      } else {
        int start = position;
        while (position < end) {
          char w = value.charAt(position);
          if (w == ' '
              || w == '\t'
              || w == '|'
              || w == '}'
              || w == '"'
              || w == '{'
              || Character.isISOControl(w)) {
            break;
          }
          position++;
        }
        tokens.add(new Token(value.substring(start, position), start, false));
      }
    }
  }

  private Token quoted(int open) {
    int start = position++;
    StringBuilder text = new StringBuilder();
    while (position < end) {
      char c = value.charAt(position++);
      if (c == '"') {
        return new Token(text.toString(), start, true);
      }
      if (c == '\\') {
        if (position >= end) {
          break;
        }
        char escaped = value.charAt(position++);
        switch (escaped) {
          case '"', '\\' -> text.append(escaped);
          case 'n' -> text.append('\n');
          case 't' -> text.append('\t');
          default ->
              throw new ReferenceSyntaxException(
                  "unknown escape '\\" + escaped + "' in a string (use \\\" \\\\ \\n or \\t)",
                  position - 2);
        }
      } else {
        text.append(c);
      }
    }
    throw new ReferenceSyntaxException("unterminated string in '${...}'", start);
  }

  private record Token(String text, int position, boolean quoted) {
    boolean isPipe() {
      return !quoted && text.equals("|");
    }
  }
}
