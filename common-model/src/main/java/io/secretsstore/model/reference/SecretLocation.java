package io.secretsstore.model.reference;

import java.util.OptionalInt;

/** A secret to read: its store path and, for KV v2, an optional version. */
public record SecretLocation(String path, OptionalInt version) {

  @Override
  public String toString() {
    return version.isPresent() ? path + "#" + version.getAsInt() : path;
  }
}
