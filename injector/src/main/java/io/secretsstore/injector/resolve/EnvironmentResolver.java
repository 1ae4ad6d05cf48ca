package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.model.reference.EnvFromPathList;
import io.secretsstore.model.reference.ParsedValue;
import io.secretsstore.model.reference.ReferenceParser;
import io.secretsstore.model.reference.ReferenceSyntaxException;
import io.secretsstore.model.reference.SecretLocation;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns the container's environment into the application's: every {@code secrets-store:} reference
 * resolved, {@code env-from-path} keys added (later paths win, and they override explicit
 * references), the injector's control variables removed. Each (path, version) is read once.
 */
public final class EnvironmentResolver {

  /** The application's environment, and a digest of the values read (not of {@code >>} writes). */
  public record Resolved(
      Map<String, String> environment, String digest, List<String> resolvedNames) {
    @Override
    public String toString() {
      return "Resolved" + resolvedNames;
    }
  }

  private final InjectorConfig config;
  private final InjectorLog log;
  private final StoreSession store;
  private final TemplateEvaluator templates;

  public EnvironmentResolver(
      InjectorConfig config, InjectorLog log, StoreSession store, Path fileDirectory) {
    this.config = config;
    this.log = log;
    this.store = store;
    this.templates = new TemplateEvaluator(fileDirectory);
  }

  public Resolved resolve(Map<String, String> original, boolean performWrites)
      throws ResolutionException {
    Map<String, ParsedValue> parsed = new LinkedHashMap<>();
    Map<String, String> environment = new TreeMap<>();
    for (var entry : new TreeMap<>(original).entrySet()) {
      String name = entry.getKey();
      if (InjectorEnv.CONTROL_VARIABLES.contains(name)) {
        continue;
      }
      try {
        ParsedValue value = ReferenceParser.parse(entry.getValue());
        if (value instanceof ParsedValue.PlainValue plain) {
          environment.put(name, plain.value());
        } else {
          parsed.put(name, value);
        }
      } catch (ReferenceSyntaxException e) {
        throw new ResolutionException(
            "variable " + name + ": malformed secrets-store reference: " + e.getMessage());
      }
    }
    List<SecretLocation> fromPaths;
    try {
      fromPaths = EnvFromPathList.parse(config.envFromPath());
    } catch (ReferenceSyntaxException e) {
      throw new ResolutionException(
          InjectorEnv.VAULT_ENV_FROM_PATH + " is malformed: " + e.getMessage());
    }

    Map<SecretLocation, Optional<KvSecret>> secrets = new HashMap<>();
    MessageDigest digest = sha256();
    List<String> resolvedNames = new java.util.ArrayList<>();
    for (var entry : parsed.entrySet()) {
      String name = entry.getKey();
      ParsedValue value = entry.getValue();
      Optional<String> text = evaluate(name, value, secrets, performWrites);
      if (text.isPresent()) {
        environment.put(name, text.get());
        resolvedNames.add(name);
        if (!(value instanceof ParsedValue.WriteReference)) {
          feed(digest, name, text.get());
        }
      } else {
        environment.remove(name);
      }
    }
    // env-from-path: every key of every path, later paths win, and they win over explicit ones.
    for (SecretLocation location : fromPaths) {
      Optional<KvSecret> secret = read(InjectorEnv.VAULT_ENV_FROM_PATH, location, secrets);
      if (secret.isEmpty()) {
        continue;
      }
      for (var data : new TreeMap<>(secret.get().data()).entrySet()) {
        String text = Values.text(data.getValue());
        environment.put(data.getKey(), text);
        resolvedNames.add(data.getKey());
        feed(digest, data.getKey(), text);
      }
    }
    return new Resolved(
        environment, HexFormat.of().formatHex(digest.digest()), List.copyOf(resolvedNames));
  }

  private Optional<String> evaluate(
      String name,
      ParsedValue value,
      Map<SecretLocation, Optional<KvSecret>> secrets,
      boolean performWrites)
      throws ResolutionException {
    switch (value) {
      case ParsedValue.SecretReference reference -> {
        Optional<KvSecret> secret = read(name, reference.location(), secrets);
        if (secret.isEmpty()) {
          return Optional.empty();
        }
        Object found = secret.get().data().get(reference.key());
        if (found == null) {
          return missing(
              name,
              "secret " + describe(reference.location()) + " has no key '" + reference.key() + "'");
        }
        return Optional.of(Values.text(found));
      }
      case ParsedValue.TemplateReference template -> {
        SecretLocation location = new SecretLocation(template.path(), template.version());
        Optional<KvSecret> secret = read(name, location, secrets);
        if (secret.isEmpty()) {
          return Optional.empty();
        }
        try {
          return Optional.of(templates.evaluate(template.template(), secret.get().data()));
        } catch (TemplateEvaluator.TemplateException e) {
          String problem = "template over " + describe(location) + ": " + e.getMessage();
          return e.missing ? missing(name, problem) : fail(name, problem);
        }
      }
      case ParsedValue.InlineValue inline -> {
        StringBuilder text = new StringBuilder();
        for (ParsedValue.InlineValue.Segment segment : inline.segments()) {
          switch (segment) {
            case ParsedValue.InlineValue.Literal literal -> text.append(literal.text());
            case ParsedValue.SecretReference reference -> {
              Optional<String> part = evaluate(name, reference, secrets, performWrites);
              if (part.isEmpty()) {
                return Optional.empty();
              }
              text.append(part.get());
            }
          }
        }
        return Optional.of(text.toString());
      }
      case ParsedValue.WriteReference write -> {
        if (!performWrites) {
          return Optional.of("");
        }
        try {
          Map<String, Object> body = write.jsonBody().map(Values::jsonObject).orElse(Map.of());
          Map<String, Object> answer = store.write(write.path(), body);
          Object found = answer.get(write.key());
          if (found == null) {
            return fail(
                name,
                "the answer of writing to "
                    + write.path()
                    + " has no key '"
                    + write.key()
                    + "'; it has "
                    + new TreeMap<>(answer).keySet());
          }
          return Optional.of(Values.text(found));
        } catch (StoreException e) {
          return fail(name, e.getMessage());
        }
      }
      case ParsedValue.PlainValue plain -> {
        return Optional.of(plain.value());
      }
    }
  }

  /** Reads a location once per resolution; a missing secret is empty only when that is allowed. */
  private Optional<KvSecret> read(
      String name, SecretLocation location, Map<SecretLocation, Optional<KvSecret>> secrets)
      throws ResolutionException {
    if (secrets.containsKey(location)) {
      return secrets.get(location);
    }
    Optional<KvSecret> secret;
    try {
      secret = Optional.of(store.read(location));
    } catch (SecretNotFoundException e) {
      if (!config.ignoreMissingSecrets()) {
        throw new ResolutionException(
            "variable " + name + " (" + describe(location) + "): " + e.getMessage());
      }
      log.warn(
          "variable "
              + name
              + ": "
              + e.getMessage()
              + "; left unset (VAULT_IGNORE_MISSING_SECRETS)");
      secret = Optional.empty();
    } catch (StoreException e) {
      throw new ResolutionException(
          "variable " + name + " (" + describe(location) + "): " + e.getMessage());
    }
    secrets.put(location, secret);
    return secret;
  }

  private Optional<String> missing(String name, String problem) throws ResolutionException {
    if (config.ignoreMissingSecrets()) {
      log.warn("variable " + name + ": " + problem + "; left unset (VAULT_IGNORE_MISSING_SECRETS)");
      return Optional.empty();
    }
    return fail(name, problem);
  }

  private static Optional<String> fail(String name, String problem) throws ResolutionException {
    throw new ResolutionException("variable " + name + ": " + problem);
  }

  private static String describe(SecretLocation location) {
    return location.toString();
  }

  private static void feed(MessageDigest digest, String name, String value) {
    digest.update(name.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(value.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
