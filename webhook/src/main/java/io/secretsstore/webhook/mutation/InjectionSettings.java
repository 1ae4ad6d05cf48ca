package io.secretsstore.webhook.mutation;

import io.secretsstore.model.connection.StoreAddressPolicy;
import io.secretsstore.model.crd.SsiPatterns;
import io.secretsstore.model.names.Annotations;
import io.secretsstore.model.reference.EnvFromPathList;
import io.secretsstore.model.reference.ReferenceSyntaxException;
import io.secretsstore.model.values.Booleans;
import io.secretsstore.model.values.Durations;
import io.secretsstore.webhook.config.WebhookProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A pod's annotations, checked and completed with the module's defaults. Invalid values are refused
 * with a message naming the annotation and what it accepts, never silently defaulted.
 */
public record InjectionSettings(
    String role,
    String address,
    String authPath,
    String namespace,
    String tlsSecret,
    boolean tlsSkipVerify,
    String envFromPath,
    boolean ignoreMissingSecrets,
    String clientTimeout,
    boolean mutateProbes,
    String logLevel,
    boolean jsonLog,
    Set<String> skipContainers,
    String serviceAccountTokenPath,
    String restartMode,
    String pollInterval,
    String pullPolicy,
    List<String> warnings) {

  /** The annotations cannot be used; the message is the admission denial. */
  public static final class InvalidAnnotationsException extends Exception {
    InvalidAnnotationsException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  /** One store request of the injector: long enough for a slow store, short of a hung start. */
  static final Duration CLIENT_TIMEOUT_MIN = Duration.ofSeconds(1);

  static final Duration CLIENT_TIMEOUT_MAX = Duration.ofMinutes(5);

  /** Polls faster than every 10 s cost the store more than they gain; the injector stops at 24h. */
  static final Duration POLL_INTERVAL_MIN = Duration.ofSeconds(10);

  static final Duration POLL_INTERVAL_MAX = Duration.ofHours(24);
  private static final Pattern NAME = Pattern.compile("^[-_.a-zA-Z0-9]+$");
  private static final Pattern DNS_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  public static InjectionSettings from(Map<String, String> annotations, WebhookProperties defaults)
      throws InvalidAnnotationsException {
    List<String> problems = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    String role = get(annotations, Annotations.ROLE, "");
    if (!NAME.matcher(role).matches()) {
      problems.add(
          Annotations.ROLE + " must be a store role name (letters, digits, '-', '_', '.')");
    }
    String address = get(annotations, Annotations.ADDR, defaults.connection().url());
    if (address.isEmpty()) {
      problems.add(
          Annotations.ADDR
              + " is not set and the module has no connection.url: name the store address");
    } else if (!isHttpUrl(address)) {
      problems.add(Annotations.ADDR + " must be an http(s) URL such as https://vault:8200");
    } else {
      // The one address rule (common-model): allowlist, the module's own store, plain http.
      switch (defaults.addressPolicy().check(address)) {
        case StoreAddressPolicy.Decision.Refused refused ->
            problems.add(Annotations.ADDR + ": " + refused.reason());
        case StoreAddressPolicy.Decision.Allowed allowed ->
            allowed.warning().ifPresent(warnings::add);
      }
    }
    String authPath = get(annotations, Annotations.AUTH_PATH, defaults.connection().authPath());
    if (!SsiPatterns.isCleanMountPath(authPath)) {
      problems.add(
          Annotations.AUTH_PATH
              + " must be an auth mount path such as kubernetes or kube/sub-path (letters, digits,"
              + " '-', '_', '.', '/'; no empty, '.' or '..' segments)");
    }
    String tlsSecret = get(annotations, Annotations.TLS_SECRET, "");
    if (!tlsSecret.isEmpty() && !DNS_NAME.matcher(tlsSecret).matches()) {
      problems.add(Annotations.TLS_SECRET + " must be the name of a Secret in the pod's namespace");
    }
    String envFromPath = get(annotations, Annotations.ENV_FROM_PATH, "");
    try {
      EnvFromPathList.parse(envFromPath);
    } catch (ReferenceSyntaxException e) {
      problems.add(Annotations.ENV_FROM_PATH + " is malformed: " + e.getMessage());
    }
    String clientTimeout =
        duration(
            annotations,
            Annotations.CLIENT_TIMEOUT,
            Annotations.CLIENT_TIMEOUT_DEFAULT,
            CLIENT_TIMEOUT_MIN,
            CLIENT_TIMEOUT_MAX,
            problems);
    String pollInterval =
        duration(
            annotations,
            Annotations.SECRET_POLL_INTERVAL,
            Annotations.SECRET_POLL_INTERVAL_DEFAULT,
            POLL_INTERVAL_MIN,
            POLL_INTERVAL_MAX,
            problems);
    String logLevel =
        oneOf(
            annotations,
            Annotations.LOG_LEVEL,
            Annotations.LOG_LEVEL_DEFAULT,
            List.of("error", "warn", "info", "debug"),
            problems);
    String restartMode =
        oneOf(
            annotations,
            Annotations.RESTART_ON_SECRET_CHANGE,
            Annotations.RESTART_ON_SECRET_CHANGE_DEFAULT,
            Annotations.RESTART_ON_SECRET_CHANGE_VALUES,
            problems);
    String pullPolicy =
        oneOf(
            annotations,
            Annotations.ENV_INJECTOR_PULL_POLICY,
            defaults.injectorPullPolicy(),
            List.of("Always", "IfNotPresent", "Never"),
            problems);
    String tokenPath = get(annotations, Annotations.SERVICE_ACCOUNT_TOKEN_PATH, "");
    if (!tokenPath.isEmpty() && !tokenPath.startsWith("/")) {
      problems.add(Annotations.SERVICE_ACCOUNT_TOKEN_PATH + " must be an absolute file path");
    }
    Set<String> skip = new LinkedHashSet<>(Annotations.SKIP_MUTATE_CONTAINERS_DEFAULT);
    String skipList = get(annotations, Annotations.SKIP_MUTATE_CONTAINERS, "");
    if (!skipList.isEmpty()) {
      skip.addAll(Arrays.asList(skipList.trim().split("\\s+")));
    }
    String storeNamespace =
        get(annotations, Annotations.NAMESPACE, defaults.connection().namespace());
    if (!storeNamespace.isEmpty() && !SsiPatterns.isCleanMountPath(storeNamespace)) {
      problems.add(
          Annotations.NAMESPACE
              + " must be a store namespace such as team-a or team-a/sub (letters, digits, '-',"
              + " '_', '.', '/'; no empty, '.' or '..' segments)");
    }
    boolean skipVerify = bool(annotations, Annotations.TLS_SKIP_VERIFY, "false", problems);
    if (skipVerify) {
      warnings.add(
          Annotations.TLS_SKIP_VERIFY
              + " is true: the store's certificate is not verified, so anyone on the network path"
              + " can read the login token and the secrets; use "
              + Annotations.TLS_SECRET
              + " with the store's CA instead");
    }
    InjectionSettings settings =
        new InjectionSettings(
            role,
            address,
            authPath,
            storeNamespace,
            tlsSecret,
            skipVerify,
            envFromPath,
            bool(
                annotations,
                Annotations.IGNORE_MISSING_SECRETS,
                Annotations.IGNORE_MISSING_SECRETS_DEFAULT,
                problems),
            clientTimeout,
            bool(
                annotations,
                Annotations.MUTATE_PROBES,
                Annotations.MUTATE_PROBES_DEFAULT,
                problems),
            logLevel,
            bool(
                annotations,
                Annotations.ENABLE_JSON_LOG,
                Annotations.ENABLE_JSON_LOG_DEFAULT,
                problems),
            Set.copyOf(skip),
            tokenPath,
            restartMode,
            pollInterval,
            pullPolicy,
            List.copyOf(warnings));
    if (!problems.isEmpty()) {
      throw new InvalidAnnotationsException(problems);
    }
    return settings;
  }

  private static String get(Map<String, String> annotations, String name, String fallback) {
    String value = annotations.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  /** The one boolean grammar (common-model {@link Booleans}: Go's ParseBool, as upstream). */
  private static boolean bool(
      Map<String, String> annotations, String name, String fallback, List<String> problems) {
    String value = get(annotations, name, fallback);
    Optional<Boolean> parsed = Booleans.parse(value);
    if (parsed.isEmpty()) {
      problems.add(
          name
              + " must be "
              + Booleans.EXAMPLES
              + " (also 1/0, t/f, TRUE/FALSE, True/False), not \""
              + value
              + "\"");
    }
    return parsed.orElse(false);
  }

  /**
   * A duration of the common grammar within {@code [min, max]}, handed to the injector in the
   * shortest form both read back ({@link Durations#format}).
   */
  private static String duration(
      Map<String, String> annotations,
      String name,
      String fallback,
      Duration min,
      Duration max,
      List<String> problems) {
    String value = get(annotations, name, fallback);
    try {
      return Durations.format(Durations.parseWithin(value, min, max));
    } catch (IllegalArgumentException e) {
      problems.add(
          name
              + " must be "
              + Durations.EXAMPLES
              + " between "
              + Durations.format(min)
              + " and "
              + Durations.format(max)
              + ", not \""
              + value
              + "\"");
      return fallback;
    }
  }

  private static String oneOf(
      Map<String, String> annotations,
      String name,
      String fallback,
      List<String> allowed,
      List<String> problems) {
    String value = get(annotations, name, fallback);
    if (!allowed.contains(value)) {
      problems.add(
          name + " must be one of " + String.join(", ", allowed) + ", not \"" + value + "\"");
    }
    return value;
  }

  private static boolean isHttpUrl(String address) {
    try {
      URI uri = new URI(address);
      return ("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
          && uri.getHost() != null;
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
