package io.secretsstore.webhook.mutation;

import io.secretsstore.model.names.Annotations;
import io.secretsstore.model.reference.EnvFromPathList;
import io.secretsstore.model.reference.ReferenceSyntaxException;
import io.secretsstore.webhook.config.WebhookProperties;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    String pullPolicy) {

  /** The annotations cannot be used; the message is the admission denial. */
  public static final class InvalidAnnotationsException extends Exception {
    InvalidAnnotationsException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  private static final Pattern DURATION = Pattern.compile("^([0-9]+(ms|s|m|h))+$|^[0-9]+$");
  private static final Pattern NAME = Pattern.compile("^[-_.a-zA-Z0-9]+$");
  private static final Pattern DNS_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  public static InjectionSettings from(Map<String, String> annotations, WebhookProperties defaults)
      throws InvalidAnnotationsException {
    List<String> problems = new ArrayList<>();
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
    } else if (!defaults.allowedAddresses().isEmpty()
        && !defaults.allowedAddresses().contains(address)) {
      problems.add(
          Annotations.ADDR
              + " '"
              + address
              + "' is not an allowed store address (allowed: "
              + String.join(", ", defaults.allowedAddresses())
              + ")");
    }
    String authPath = get(annotations, Annotations.AUTH_PATH, defaults.connection().authPath());
    if (!NAME.matcher(authPath).matches()) {
      problems.add(Annotations.AUTH_PATH + " must be an auth mount path such as kubernetes");
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
            annotations, Annotations.CLIENT_TIMEOUT, Annotations.CLIENT_TIMEOUT_DEFAULT, problems);
    String pollInterval =
        duration(
            annotations,
            Annotations.SECRET_POLL_INTERVAL,
            Annotations.SECRET_POLL_INTERVAL_DEFAULT,
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
    InjectionSettings settings =
        new InjectionSettings(
            role,
            address,
            authPath,
            get(annotations, Annotations.NAMESPACE, defaults.connection().namespace()),
            tlsSecret,
            bool(annotations, Annotations.TLS_SKIP_VERIFY, "false", problems),
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
            pullPolicy);
    if (!problems.isEmpty()) {
      throw new InvalidAnnotationsException(problems);
    }
    return settings;
  }

  private static String get(Map<String, String> annotations, String name, String fallback) {
    String value = annotations.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static boolean bool(
      Map<String, String> annotations, String name, String fallback, List<String> problems) {
    String value = get(annotations, name, fallback).toLowerCase(Locale.ROOT);
    if (!value.equals("true") && !value.equals("false")) {
      problems.add(name + " must be \"true\" or \"false\", not \"" + value + "\"");
    }
    return value.equals("true");
  }

  private static String duration(
      Map<String, String> annotations, String name, String fallback, List<String> problems) {
    String value = get(annotations, name, fallback);
    if (!DURATION.matcher(value).matches() || value.matches("^0+[a-z]*$")) {
      problems.add(
          name + " must be a positive duration such as 10s, 2m or 1h30m, not \"" + value + "\"");
    }
    return value;
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
