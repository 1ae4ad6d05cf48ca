package io.secretsstore.model.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * The {@code env-from-path} annotation ({@code VAULT_ENV_FROM_PATH}): a comma-separated list of
 * {@code path[#version]}. Every key of every listed secret becomes a variable; when two secrets
 * have the same key, the later one in the list wins (the caller applies that order).
 */
public final class EnvFromPathList {

  private EnvFromPathList() {}

  /** Parses the list; blank input is an empty list, an empty entry is an error. */
  public static List<SecretLocation> parse(String value) {
    if (value == null || value.isBlank()) {
      return List.of();
    }
    List<SecretLocation> locations = new ArrayList<>();
    int start = 0;
    while (start <= value.length()) {
      int comma = value.indexOf(',', start);
      int end = comma < 0 ? value.length() : comma;
      int entryStart = start;
      int entryEnd = end;
      while (entryStart < entryEnd && Character.isWhitespace(value.charAt(entryStart))) {
        entryStart++;
      }
      while (entryEnd > entryStart && Character.isWhitespace(value.charAt(entryEnd - 1))) {
        entryEnd--;
      }
      if (entryStart == entryEnd) {
        throw new ReferenceSyntaxException(
            "empty entry in the path list (expected path[#version] separated by commas)", start);
      }
      int hash = value.indexOf('#', entryStart);
      if (hash >= 0 && hash < entryEnd) {
        String path = ReferenceParser.checkPath(value, entryStart, hash);
        int nextHash = value.indexOf('#', hash + 1);
        if (nextHash >= 0 && nextHash < entryEnd) {
          throw new ReferenceSyntaxException(
              "too many '#' in a path list entry (expected path[#version])", nextHash);
        }
        locations.add(
            new SecretLocation(
                path, OptionalInt.of(ReferenceParser.checkVersion(value, hash + 1, entryEnd))));
      } else {
        locations.add(
            new SecretLocation(
                ReferenceParser.checkPath(value, entryStart, entryEnd), OptionalInt.empty()));
      }
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
    return List.copyOf(locations);
  }
}
