package io.secretsstore.injector.resolve;

import io.secretsstore.injector.config.InjectorConfig;
import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.store.InjectorStoreClient;
import io.secretsstore.injector.store.InjectorStoreClient.Lease;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.model.reference.ParsedValue;
import io.secretsstore.model.reference.SecretLocation;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns a {@link ResolutionPlan} into the application's environment: every reference resolved,
 * {@code env-from-path} keys added (later paths win, and they override explicit references), the
 * variables in their original order. Each (path, version) is read once per resolution.
 */
public final class EnvironmentResolver {

  /**
   * The application's environment, a digest of the values read in {@code watch-for-data} (empty in
   * the other modes) (not of {@code >>} writes; {@code file} values by content), the names
   * resolved, and the leases of dynamic secrets read.
   */
  public record Resolved(
      Map<String, String> environment,
      String digest,
      List<String> resolvedNames,
      List<SecretLease> leases) {
    @Override
    public String toString() {
      return "Resolved" + resolvedNames;
    }
  }

  /** A lease the store attached to the secret read at {@code path}. */
  public record SecretLease(String path, Lease lease) {}

  /**
   * The reads of one resolution are a {@link TreeMap} in this order, not a hash map: a record's
   * generated {@code hashCode} and {@code equals} spin about a dozen method-handle classes at their
   * first call, at every start (the AOT cache does not keep them).
   */
  private static final Comparator<SecretLocation> LOCATION_ORDER =
      (a, b) -> {
        int byPath = a.path().compareTo(b.path());
        return byPath != 0
            ? byPath
            : Integer.compare(a.version().orElse(-1), b.version().orElse(-1));
      };

  private final InjectorConfig config;
  private final InjectorLog log;
  private final StoreSession store;
  private final SecretFiles files;
  private final TemplateEvaluator templates;

  public EnvironmentResolver(
      InjectorConfig config, InjectorLog log, StoreSession store, SecretFiles files) {
    this.config = config;
    this.log = log;
    this.store = store;
    this.files = files;
    this.templates = new TemplateEvaluator(files);
  }

  /** A resolver for the checks of a watch mode: same file paths, nothing written. */
  public EnvironmentResolver forChecks() {
    return new EnvironmentResolver(config, log, store, files.forChecks());
  }

  public SecretFiles files() {
    return files;
  }

  public Resolved resolve(ResolutionPlan plan, boolean performWrites) throws ResolutionException {
    Map<String, String> environment = new LinkedHashMap<>();
    Map<SecretLocation, Optional<InjectorStoreClient.Read>> reads = new TreeMap<>(LOCATION_ORDER);
    // Only watch-for-data compares digests; without it no message digest is made (the JDK's
    // security providers and their random sources cost the start several milliseconds).
    MessageDigest digest =
        config.restartMode() == InjectorConfig.RestartMode.WATCH_FOR_DATA ? sha256() : null;
    List<String> resolvedNames = new ArrayList<>();
    for (var entry : plan.entries().entrySet()) {
      String name = entry.getKey();
      ParsedValue value = entry.getValue();
      if (value instanceof ParsedValue.PlainValue plain) {
        environment.put(name, plain.value());
        continue;
      }
      Optional<String> text = evaluate(name, value, reads, performWrites);
      if (text.isPresent()) {
        environment.put(name, checked(name, text.get()));
        resolvedNames.add(name);
        if (!(value instanceof ParsedValue.WriteReference)) {
          feed(digest, name, text.get());
        }
      }
    }
    for (SecretLocation location : plan.fromPaths()) {
      Optional<InjectorStoreClient.Read> read =
          read(InjectorEnv.VAULT_ENV_FROM_PATH, location, reads);
      if (read.isEmpty()) {
        continue;
      }
      for (var data : new TreeMap<>(read.get().secret().data()).entrySet()) {
        String name = data.getKey();
        String problem = EnvFromPathNames.problem(name, config.envFromPathAllowedNames());
        if (problem != null) {
          throw new ResolutionException(
              InjectorEnv.VAULT_ENV_FROM_PATH + " " + location + ": " + problem);
        }
        String text = checked(name, Values.text(data.getValue()));
        environment.put(name, text);
        resolvedNames.add(name);
        feed(digest, name, text);
      }
    }
    // The files' contents count too: their paths stay the same when the values change.
    files.digestInto(digest);
    List<SecretLease> leases = new ArrayList<>();
    for (var read : reads.entrySet()) {
      read.getValue()
          .flatMap(InjectorStoreClient.Read::lease)
          .ifPresent(lease -> leases.add(new SecretLease(read.getKey().toString(), lease)));
    }
    return new Resolved(
        environment,
        digest == null ? "" : HexFormat.of().formatHex(digest.digest()),
        List.copyOf(resolvedNames),
        List.copyOf(leases));
  }

  /**
   * An environment value cannot hold a NUL, and no value may carry the injector's store token (e.g.
   * a template over {@code auth/token/lookup-self} reached through a namespace prefix).
   */
  private String checked(String name, String value) throws ResolutionException {
    if (value.indexOf('\0') >= 0) {
      throw new ResolutionException(
          "variable "
              + name
              + ": the value contains a NUL character, which no environment"
              + " variable can hold");
    }
    String token = store.tokenValue();
    if (token != null && !token.isEmpty() && value.contains(token)) {
      throw new ResolutionException(
          "variable " + name + ": the value holds the injector's own store token; refused");
    }
    return value;
  }

  private Optional<String> evaluate(
      String name,
      ParsedValue value,
      Map<SecretLocation, Optional<InjectorStoreClient.Read>> reads,
      boolean performWrites)
      throws ResolutionException {
    // instanceof, not a pattern switch: each pattern switch spins a class at every start, which
    // the AOT cache does not keep.
    if (value instanceof ParsedValue.SecretReference reference) {
      Optional<InjectorStoreClient.Read> read = read(name, reference.location(), reads);
      if (read.isEmpty()) {
        return Optional.empty();
      }
      Object found = read.get().secret().data().get(reference.key());
      if (found == null || found == io.secretsstore.injector.store.Json.NULL) {
        return missing(
            name, "secret " + reference.location() + " has no key '" + reference.key() + "'");
      }
      return Optional.of(Values.text(found));
    }
    if (value instanceof ParsedValue.TemplateReference template) {
      SecretLocation location = new SecretLocation(template.path(), template.version());
      Optional<InjectorStoreClient.Read> read = read(name, location, reads);
      if (read.isEmpty()) {
        return Optional.empty();
      }
      try {
        return Optional.of(
            templates.evaluate(name, template.template(), read.get().secret().data()));
      } catch (TemplateEvaluator.TemplateException e) {
        String problem = "template over " + location + ": " + e.getMessage();
        return e.missing ? missing(name, problem) : fail(name, problem);
      }
    }
    if (value instanceof ParsedValue.InlineValue inline) {
      StringBuilder text = new StringBuilder();
      for (ParsedValue.InlineValue.Segment segment : inline.segments()) {
        if (segment instanceof ParsedValue.InlineValue.Literal literal) {
          text.append(literal.text());
        } else if (segment instanceof ParsedValue.SecretReference reference) {
          Optional<String> part = evaluate(name, reference, reads, performWrites);
          if (part.isEmpty()) {
            return Optional.empty();
          }
          text.append(part.get());
        }
      }
      return Optional.of(text.toString());
    }
    if (value instanceof ParsedValue.WriteReference write) {
      if (!performWrites) {
        return Optional.of("");
      }
      try {
        Map<String, Object> body =
            write.jsonBody().isPresent() ? Values.jsonObject(write.jsonBody().get()) : Map.of();
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
      } catch (StoreException | IllegalArgumentException e) {
        return fail(name, e.getMessage());
      } catch (ResolutionException e) {
        return fail(name, e.getMessage());
      }
    }
    return Optional.of(((ParsedValue.PlainValue) value).value());
  }

  /** Reads a location once per resolution; a missing secret is empty only when that is allowed. */
  private Optional<InjectorStoreClient.Read> read(
      String name,
      SecretLocation location,
      Map<SecretLocation, Optional<InjectorStoreClient.Read>> reads)
      throws ResolutionException {
    if (reads.containsKey(location)) {
      return reads.get(location);
    }
    Optional<InjectorStoreClient.Read> read;
    try {
      read = Optional.of(store.read(location));
    } catch (SecretNotFoundException e) {
      if (!config.ignoreMissingSecrets()) {
        throw new ResolutionException(
            "variable " + name + " (" + location + "): " + e.getMessage());
      }
      log.warn(
          "variable "
              + name
              + ": "
              + e.getMessage()
              + "; left unset (VAULT_IGNORE_MISSING_SECRETS)");
      read = Optional.empty();
    } catch (StoreException | IllegalArgumentException e) {
      throw new ResolutionException("variable " + name + " (" + location + "): " + e.getMessage());
    }
    reads.put(location, read);
    return read;
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

  private static void feed(MessageDigest digest, String name, String value) {
    if (digest == null) {
      return;
    }
    digest.update(name.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
    digest.update(value.getBytes(StandardCharsets.UTF_8));
    digest.update((byte) 0);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
