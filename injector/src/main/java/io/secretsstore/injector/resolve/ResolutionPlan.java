package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.process.RawText;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.model.reference.EnvFromPathList;
import io.secretsstore.model.reference.ParsedValue;
import io.secretsstore.model.reference.ReferenceParser;
import io.secretsstore.model.reference.ReferenceSyntaxException;
import io.secretsstore.model.reference.ReservedStorePaths;
import io.secretsstore.model.reference.SecretLocation;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the container's environment asks of the store, parsed and checked before the injector logs
 * in: a malformed reference, a refused path or a bad {@code env-from-path} list is reported at
 * once, even when the store is down.
 *
 * @param entries every variable but the injector's own, in their original order: plain values as
 *     {@link ParsedValue.PlainValue}
 * @param fromPaths the {@code env-from-path} locations, in order
 */
public record ResolutionPlan(Map<String, ParsedValue> entries, List<SecretLocation> fromPaths) {

  public static ResolutionPlan of(Map<String, String> environment, InjectorConfig config)
      throws ResolutionException {
    Map<String, ParsedValue> entries = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    for (var entry : environment.entrySet()) {
      String name = entry.getKey();
      if (InjectorConfig.CONTROL_VARIABLES.contains(name)) {
        continue;
      }
      String value = entry.getValue();
      if (RawText.hasInvalidBytes(value)) {
        if (looksLikeReference(value)) {
          problems.add("variable " + name + ": a secrets-store reference that is not valid UTF-8");
        } else {
          entries.put(name, new ParsedValue.PlainValue(value)); // passed on byte for byte
        }
        continue;
      }
      try {
        ParsedValue parsed = ReferenceParser.parse(value);
        refusedPaths(parsed).forEach(path -> problems.add(refused("variable " + name, path)));
        entries.put(name, parsed);
      } catch (ReferenceSyntaxException e) {
        problems.add("variable " + name + ": malformed secrets-store reference: " + e.getMessage());
      }
    }
    List<SecretLocation> fromPaths = List.of();
    try {
      fromPaths = EnvFromPathList.parse(config.envFromPath());
      for (SecretLocation location : fromPaths) {
        if (isRefused(location.path())) {
          problems.add(refused(InjectorEnv.VAULT_ENV_FROM_PATH, location.path()));
        }
      }
    } catch (ReferenceSyntaxException e) {
      problems.add(InjectorEnv.VAULT_ENV_FROM_PATH + " is malformed: " + e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new ResolutionException(String.join("; ", problems));
    }
    return new ResolutionPlan(entries, fromPaths);
  }

  private static boolean looksLikeReference(String value) {
    return value.startsWith("secrets-store:")
        || value.startsWith(">>secrets-store:")
        || value.contains("${secrets-store:");
  }

  /** True when nothing needs the store (no reference, no env-from-path). */
  public boolean needsNoStore() {
    return fromPaths.isEmpty()
        && entries.values().stream().allMatch(ParsedValue.PlainValue.class::isInstance);
  }

  private static List<String> refusedPaths(ParsedValue value) {
    List<String> paths = new ArrayList<>();
    for (SecretLocation location : value.locations()) {
      paths.add(location.path());
    }
    if (value instanceof ParsedValue.WriteReference write) {
      paths.add(write.path());
    }
    return paths.stream().filter(ResolutionPlan::isRefused).distinct().toList();
  }

  static boolean isRefused(String path) {
    return ReservedStorePaths.refusal(path).isPresent();
  }

  private static String refused(String where, String path) {
    return where
        + ": the path "
        + path
        + " is refused: references may not read or write auth/ or sys/ paths, nor auth/token"
        + " behind a namespace (they reveal the injector's store token or the store's"
        + " configuration)";
  }
}
