package io.secretsstore.model.reference;

import io.secretsstore.model.reference.ParsedValue.InlineValue;
import io.secretsstore.model.reference.ParsedValue.PlainValue;
import io.secretsstore.model.reference.ParsedValue.SecretReference;
import io.secretsstore.model.reference.ParsedValue.TemplateReference;
import io.secretsstore.model.reference.ParsedValue.WriteReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Parses environment values that refer to secrets in the store. See {@code package-info} for the
 * grammar. Pure and thread-safe; every malformed reference raises a {@link
 * ReferenceSyntaxException} that says what is wrong and at which position.
 */
public final class ReferenceParser {

  public static final String PREFIX = "secrets-store:";
  public static final String WRITE_PREFIX = ">>" + PREFIX;
  public static final String INLINE_START = "${" + PREFIX;

  private static final String FORM = "secrets-store:<path>#<key>[#<version>]";

  private ReferenceParser() {}

  /**
   * Whether a value is meant as a reference (possibly a malformed one): it starts with {@code
   * secrets-store:} or {@code >>secrets-store:}, or contains {@code ${secrets-store:}. Cheap; used
   * to decide whether a container needs the injector.
   */
  public static boolean looksLikeReference(String value) {
    return value != null
        && (value.startsWith(PREFIX)
            || value.startsWith(WRITE_PREFIX)
            || value.contains(INLINE_START));
  }

  /** Parses one environment value. */
  public static ParsedValue parse(String value) {
    if (value == null) {
      throw new ReferenceSyntaxException("the value is missing", 0);
    }
    if (value.startsWith(WRITE_PREFIX)) {
      return parseWrite(value, WRITE_PREFIX.length());
    }
    if (value.startsWith(PREFIX)) {
      return parseWhole(value, PREFIX.length(), true);
    }
    if (value.contains(INLINE_START)) {
      return parseInline(value);
    }
    return new PlainValue(value);
  }

  /**
   * {@code <path>#<key>[#<version>]} or {@code <path>#<template>[#<version>]} from {@code start}.
   */
  private static ParsedValue parseWhole(String value, int start, boolean templatesAllowed) {
    return parseWhole(value, start, value.length(), templatesAllowed);
  }

  private static ParsedValue parseWhole(
      String value, int start, int end, boolean templatesAllowed) {
    if (start == end) {
      throw new ReferenceSyntaxException("nothing after '" + PREFIX + "'; expected " + FORM, start);
    }
    int hash = value.indexOf('#', start);
    if (hash < 0 || hash >= end) {
      String path = value.substring(start, end);
      throw new ReferenceSyntaxException(
          "missing '#<key>' after the path '" + path + "'; expected " + FORM, end);
    }
    String path = checkPath(value, start, hash);
    int restStart = hash + 1;
    String rest = value.substring(restStart, end);
    if (rest.contains("${")) {
      if (!templatesAllowed) {
        throw new ReferenceSyntaxException(
            "a template cannot be used inside ${" + PREFIX + "...}",
            value.indexOf("${", restStart));
      }
      return parseTemplateReference(value, path, restStart, end);
    }
    int secondHash = value.indexOf('#', restStart);
    int keyEnd = secondHash >= 0 && secondHash < end ? secondHash : end;
    String key = checkKey(value, restStart, keyEnd);
    OptionalInt version = OptionalInt.empty();
    if (keyEnd < end) {
      int versionStart = keyEnd + 1;
      int thirdHash = value.indexOf('#', versionStart);
      if (thirdHash >= 0 && thirdHash < end) {
        throw new ReferenceSyntaxException(
            "too many '#': expected " + FORM + " (a key cannot contain '#')", thirdHash);
      }
      version = OptionalInt.of(checkVersion(value, versionStart, end));
    }
    return new SecretReference(path, key, version);
  }

  private static TemplateReference parseTemplateReference(
      String value, String path, int start, int end) {
    // An optional "#<digits>" after the last '}' is the version; '#' elsewhere is template text.
    int lastBrace = value.lastIndexOf('}', end - 1);
    int lastHash = value.lastIndexOf('#', end - 1);
    int templateEnd = end;
    OptionalInt version = OptionalInt.empty();
    if (lastHash > lastBrace && lastHash >= start && isAllDigits(value, lastHash + 1, end)) {
      version = OptionalInt.of(checkVersion(value, lastHash + 1, end));
      templateEnd = lastHash;
    }
    Template template = TemplateParser.parse(value, start, templateEnd);
    return new TemplateReference(path, version, template);
  }

  private static WriteReference parseWrite(String value, int start) {
    if (start == value.length()) {
      throw new ReferenceSyntaxException(
          "nothing after '"
              + WRITE_PREFIX
              + "'; expected "
              + WRITE_PREFIX
              + "<path>#<key>[#<json body>]",
          start);
    }
    int hash = value.indexOf('#', start);
    if (hash < 0) {
      throw new ReferenceSyntaxException(
          "missing '#<key>' after the path '"
              + value.substring(start)
              + "'; expected "
              + WRITE_PREFIX
              + "<path>#<key>[#<json body>]",
          value.length());
    }
    String path = checkPath(value, start, hash);
    int keyStart = hash + 1;
    int bodyHash = value.indexOf('#', keyStart);
    int keyEnd = bodyHash < 0 ? value.length() : bodyHash;
    String key = checkKey(value, keyStart, keyEnd);
    if (bodyHash < 0) {
      return new WriteReference(path, key, Optional.empty());
    }
    int bodyStart = bodyHash + 1;
    if (bodyStart == value.length()) {
      throw new ReferenceSyntaxException(
          "empty write body after '#'; give a JSON object or leave out the '#'", bodyStart);
    }
    JsonSyntax.requireObject(value, bodyStart);
    return new WriteReference(path, key, Optional.of(value.substring(bodyStart)));
  }

  private static ParsedValue parseInline(String value) {
    List<InlineValue.Segment> segments = new ArrayList<>();
    StringBuilder literal = new StringBuilder();
    int i = 0;
    while (i < value.length()) {
      if (value.startsWith("$" + INLINE_START, i)) {
        literal.append(INLINE_START); // "$${secrets-store:" is an escaped literal
        i += 1 + INLINE_START.length();
        continue;
      }
      if (!value.startsWith(INLINE_START, i)) {
        literal.append(value.charAt(i++));
        continue;
      }
      int close = value.indexOf('}', i);
      if (close < 0) {
        throw new ReferenceSyntaxException("'" + INLINE_START + "' is not closed by '}'", i);
      }
      int nested = value.indexOf("${", i + 2);
      if (nested >= 0 && nested < close) {
        throw new ReferenceSyntaxException(
            "a template cannot be used inside " + INLINE_START + "...}", nested);
      }
      if (!literal.isEmpty()) {
        segments.add(new InlineValue.Literal(literal.toString()));
        literal.setLength(0);
      }
      segments.add((SecretReference) parseWhole(value, i + INLINE_START.length(), close, false));
      i = close + 1;
    }
    if (!literal.isEmpty()) {
      segments.add(new InlineValue.Literal(literal.toString()));
    }
    if (segments.stream().noneMatch(SecretReference.class::isInstance)) {
      // Only escaped "$${secrets-store:" text: a plain value, unescaped.
      return new PlainValue(
          literal.isEmpty()
              ? ((InlineValue.Literal) segments.getFirst()).text()
              : literal.toString());
    }
    return new InlineValue(segments);
  }

  /** Validates a store path between {@code start} (inclusive) and {@code end} (exclusive). */
  static String checkPath(String value, int start, int end) {
    if (start == end) {
      throw new ReferenceSyntaxException("the path is empty", start);
    }
    if (value.charAt(start) == '/') {
      throw new ReferenceSyntaxException(
          "the path must not start with '/' (write it as the API path without /v1/, e.g."
              + " secret/data/myapp)",
          start);
    }
    int segmentStart = start;
    for (int i = start; i <= end; i++) {
      if (i == end || value.charAt(i) == '/') {
        String segment = value.substring(segmentStart, i);
        if (segment.isEmpty()) {
          throw new ReferenceSyntaxException(
              i == end
                  ? "the path must not end with '/'"
                  : "the path contains an empty segment '//'",
              i == end ? i - 1 : i);
        }
        if (segment.equals(".") || segment.equals("..")) {
          throw new ReferenceSyntaxException(
              "the path must not contain a '" + segment + "' segment", segmentStart);
        }
        segmentStart = i + 1;
        continue;
      }
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new ReferenceSyntaxException(
            "the path contains whitespace or a control character", i);
      }
      if (c == '$' || c == '{' || c == '}' || c == '?' || c == '%') {
        throw new ReferenceSyntaxException("the path contains the character '" + c + "'", i);
      }
    }
    return value.substring(start, end);
  }

  static String checkKey(String value, int start, int end) {
    if (start == end) {
      throw new ReferenceSyntaxException("the key after '#' is empty", start);
    }
    for (int i = start; i < end; i++) {
      char c = value.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        throw new ReferenceSyntaxException("the key contains whitespace or a control character", i);
      }
    }
    return value.substring(start, end);
  }

  static int checkVersion(String value, int start, int end) {
    if (start == end) {
      throw new ReferenceSyntaxException("the version after the last '#' is empty", start);
    }
    String text = value.substring(start, end);
    if (!isAllDigits(value, start, end)) {
      throw new ReferenceSyntaxException(
          "the version '" + text + "' is not a positive whole number", start);
    }
    if (text.charAt(0) == '0') {
      throw new ReferenceSyntaxException(
          "the version '" + text + "' must be a positive whole number without leading zeros",
          start);
    }
    if (text.length() > 10 || Long.parseLong(text) > Integer.MAX_VALUE) {
      throw new ReferenceSyntaxException("the version '" + text + "' is too large", start);
    }
    return Integer.parseInt(text);
  }

  private static boolean isAllDigits(String value, int start, int end) {
    if (start >= end) {
      return false;
    }
    for (int i = start; i < end; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
