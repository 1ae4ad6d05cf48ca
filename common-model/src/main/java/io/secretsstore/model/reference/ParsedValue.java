package io.secretsstore.model.reference;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/** What an environment value turned out to be; see {@link ReferenceParser}. */
public sealed interface ParsedValue
    permits ParsedValue.PlainValue,
        ParsedValue.SecretReference,
        ParsedValue.TemplateReference,
        ParsedValue.WriteReference,
        ParsedValue.InlineValue {

  /** The secrets this value reads (empty for plain values and writes). */
  List<SecretLocation> locations();

  /** Not a reference: used as it is. */
  record PlainValue(String value) implements ParsedValue {
    @Override
    public List<SecretLocation> locations() {
      return List.of();
    }
  }

  /** {@code secrets-store:<path>#<key>[#<version>]}: one key of one secret. */
  record SecretReference(String path, String key, OptionalInt version)
      implements ParsedValue, InlineValue.Segment {
    public SecretLocation location() {
      return new SecretLocation(path, version);
    }

    @Override
    public List<SecretLocation> locations() {
      return List.of(location());
    }
  }

  /** {@code secrets-store:<path>#<template>[#<version>]}: a template over the secret's data. */
  record TemplateReference(String path, OptionalInt version, Template template)
      implements ParsedValue {
    @Override
    public List<SecretLocation> locations() {
      return List.of(new SecretLocation(path, version));
    }
  }

  /**
   * {@code >>secrets-store:<path>#<key>[#<json body>]}: POST the body to the path, use {@code key}
   * of the answer. The body is kept as the raw text the user wrote, checked to be a JSON object.
   */
  record WriteReference(String path, String key, Optional<String> jsonBody) implements ParsedValue {
    @Override
    public List<SecretLocation> locations() {
      return List.of();
    }
  }

  /** Text with one or more {@code ${secrets-store:<path>#<key>[#<version>]}} inside. */
  record InlineValue(List<Segment> segments) implements ParsedValue {
    public InlineValue {
      segments = List.copyOf(segments);
    }

    /** A piece of an inline value: literal text or a reference. */
    public sealed interface Segment permits Literal, SecretReference {}

    /** Literal text between references. */
    public record Literal(String text) implements Segment {}

    @Override
    public List<SecretLocation> locations() {
      return segments.stream()
          .filter(SecretReference.class::isInstance)
          .map(segment -> ((SecretReference) segment).location())
          .distinct()
          .toList();
    }
  }
}
