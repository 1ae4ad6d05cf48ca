package io.secretsstore.e2e.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The module's example manifests ({@code src/main/resources/seeds/}), as YAML text. */
public final class Examples {

  private Examples() {}

  public static String yaml(String file) {
    try (InputStream in = Examples.class.getResourceAsStream("/seeds/" + file)) {
      if (in == null) {
        throw new IllegalArgumentException("no example " + file);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
