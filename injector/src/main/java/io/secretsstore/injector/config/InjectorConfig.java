package io.secretsstore.injector.config;

import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.log.Messages;
import io.secretsstore.model.names.InjectorEnv;
import io.secretsstore.vault.TlsContexts;
import io.secretsstore.vault.TlsOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * The injector's settings, read from the environment contract the webhook writes ({@link
 * InjectorEnv}). Every problem is collected and reported at once, naming the variable.
 */
public record InjectorConfig(
    URI address,
    String role,
    String authPath,
    Optional<String> namespace,
    Optional<SSLContext> tls,
    boolean skipVerify,
    boolean ignoreMissingSecrets,
    Duration clientTimeout,
    Duration loginTimeout,
    InjectorLog.Level logLevel,
    boolean jsonLog,
    String envFromPath,
    Path tokenPath,
    RestartMode restartMode,
    Duration pollInterval,
    Path terminationLog,
    Set<String> envFromPathAllowedNames) {

  /**
   * Names from {@code env-from-path} that the application may get although they change how programs
   * load or run (comma-separated): the pod author's opt-in.
   */
  public static final String VAULT_ENV_FROM_PATH_ALLOWED_NAMES =
      "VAULT_ENV_FROM_PATH_ALLOWED_NAMES";

  /** The injector's own variables, removed from the application's environment. */
  public static final Set<String> CONTROL_VARIABLES = controlVariables();

  private static Set<String> controlVariables() {
    Set<String> names = new java.util.HashSet<>(InjectorEnv.CONTROL_VARIABLES);
    names.add(VAULT_ENV_FROM_PATH_ALLOWED_NAMES);
    return Set.copyOf(names);
  }

  /** What happens when secrets change while the application runs. */
  public enum RestartMode {
    /** Replace the injector with the application (execve); nothing is watched. */
    NONE,
    /**
     * Keep the store token (and renewable leases) alive; restart when that is no longer possible.
     */
    WATCH_FOR_LEASE,
    /** Poll the secrets; restart the application when their values change. */
    WATCH_FOR_DATA;

    static RestartMode parse(String text) {
      return switch (text.trim().toLowerCase(Locale.ROOT)) {
        case "", "none" -> NONE;
        case "watch-for-lease" -> WATCH_FOR_LEASE;
        case "watch-for-data" -> WATCH_FOR_DATA;
        default ->
            throw new IllegalArgumentException(
                "'" + text + "' is not one of none, watch-for-lease, watch-for-data");
      };
    }
  }

  /** Where the reason of a restart goes (kubelet shows it as the container's last state). */
  public static final String TERMINATION_LOG_DEFAULT = "/dev/termination-log";

  /** The settings could not be read; the message lists every problem. */
  public static final class InvalidConfigException extends Exception {
    InvalidConfigException(List<String> problems) {
      super(String.join("; ", problems));
    }
  }

  public static InjectorConfig fromEnvironment(Map<String, String> env)
      throws InvalidConfigException {
    List<String> problems = new ArrayList<>();
    URI address = address(get(env, InjectorEnv.VAULT_ADDR, ""), problems);
    String role = get(env, InjectorEnv.VAULT_ROLE, "");
    if (role.isEmpty()) {
      problems.add(InjectorEnv.VAULT_ROLE + " is not set: the store role to log in with");
    }
    boolean skipVerify = bool(env, InjectorEnv.VAULT_SKIP_VERIFY, problems);
    Optional<SSLContext> tls =
        tls(
            address,
            get(env, InjectorEnv.VAULT_CACERT, ""),
            get(env, InjectorEnv.VAULT_CACERT_BYTES, ""),
            skipVerify,
            problems);
    String tokenPath = get(env, InjectorEnv.VAULT_TOKEN_PATH, "");
    Path token =
        tokenPath.isEmpty()
            ? (Files.exists(Path.of(InjectorEnv.VAULT_TOKEN_PATH_DEFAULT))
                ? Path.of(InjectorEnv.VAULT_TOKEN_PATH_DEFAULT)
                : Path.of(InjectorEnv.LEGACY_TOKEN_PATH))
            : path(InjectorEnv.VAULT_TOKEN_PATH, tokenPath, problems);
    String namespace = get(env, InjectorEnv.VAULT_NAMESPACE, "");
    InjectorConfig config =
        new InjectorConfig(
            address,
            role,
            get(env, InjectorEnv.VAULT_PATH, InjectorEnv.VAULT_PATH_DEFAULT),
            namespace.isEmpty() ? Optional.empty() : Optional.of(namespace),
            tls,
            skipVerify,
            bool(env, InjectorEnv.VAULT_IGNORE_MISSING_SECRETS, problems),
            duration(env, InjectorEnv.VAULT_CLIENT_TIMEOUT, "10s", problems),
            duration(env, InjectorEnv.VAULT_LOGIN_TIMEOUT, "2m", problems),
            level(env, problems),
            bool(env, InjectorEnv.VAULT_JSON_LOG, problems),
            get(env, InjectorEnv.VAULT_ENV_FROM_PATH, ""),
            token,
            restartMode(env, problems),
            duration(env, InjectorEnv.VAULT_POLL_INTERVAL, "120s", problems),
            path(
                InjectorEnv.VAULT_TERMINATION_LOG,
                get(env, InjectorEnv.VAULT_TERMINATION_LOG, TERMINATION_LOG_DEFAULT),
                problems),
            names(get(env, VAULT_ENV_FROM_PATH_ALLOWED_NAMES, "")));
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return config;
  }

  /** {@code http(s)://host[:port]}: no user info, path, query or fragment. */
  private static URI address(String text, List<String> problems) {
    String name = InjectorEnv.VAULT_ADDR;
    if (text.isEmpty()) {
      problems.add(name + " is not set: the store address, e.g. https://vault:8200");
      return URI.create("http://unset");
    }
    URI uri;
    try {
      uri = new URI(text);
    } catch (URISyntaxException e) {
      problems.add(name + "='" + text + "' is not a URL such as https://vault:8200");
      return URI.create("http://unset");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!scheme.equals("http") && !scheme.equals("https")) {
      problems.add(name + "='" + text + "' is not an http(s) URL");
    } else if (uri.getHost() == null || uri.getHost().isEmpty()) {
      problems.add(name + "='" + text + "' has no host");
    } else if (uri.getRawUserInfo() != null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null
        || !(path.isEmpty() || path.equals("/"))) {
      problems.add(
          name + "='" + text + "' must be just scheme, host and port (the API path /v1 is added)");
    } else {
      return URI.create(scheme + "://" + uri.getRawAuthority());
    }
    return URI.create("http://unset");
  }

  /**
   * The trust for an https store: the PEM text, else the PEM file, else the system CAs; checked
   * now, so that a damaged CA is reported before any login attempt.
   */
  private static Optional<SSLContext> tls(
      URI address, String file, String pem, boolean skipVerify, List<String> problems) {
    if (!address.getScheme().equals("https") && file.isEmpty() && pem.isEmpty()) {
      return Optional.empty(); // plain HTTP: the TLS classes are not even loaded
    }
    TlsOptions options;
    String origin;
    if (skipVerify) {
      options = TlsOptions.insecureSkipVerify();
      origin = InjectorEnv.VAULT_SKIP_VERIFY;
    } else if (!pem.isEmpty()) {
      options = TlsOptions.trustPem(pem);
      origin = InjectorEnv.VAULT_CACERT_BYTES;
    } else if (!file.isEmpty()) {
      if (!Files.isReadable(Path.of(file))) {
        problems.add(InjectorEnv.VAULT_CACERT + "='" + file + "' is not a readable file");
        return Optional.empty();
      }
      options = TlsOptions.trustFile(Path.of(file));
      origin = InjectorEnv.VAULT_CACERT + "='" + file + "'";
    } else {
      options = TlsOptions.SYSTEM_CAS;
      origin = "the system CAs";
    }
    try {
      return Optional.of(TlsContexts.forOptions(options));
    } catch (RuntimeException e) {
      problems.add(origin + ": " + Messages.plain(e.getMessage(), "not a usable CA certificate"));
      return Optional.empty();
    }
  }

  /** A path the JVM can open (in a container without a UTF-8 locale, ASCII only). */
  private static Path path(String name, String text, List<String> problems) {
    try {
      return Path.of(text);
    } catch (InvalidPathException e) {
      problems.add(
          name
              + "='"
              + text
              + "' cannot be opened: without a UTF-8 locale (LANG) file names must be ASCII");
      return Path.of("/");
    }
  }

  private static Set<String> names(String list) {
    Set<String> names = new java.util.TreeSet<>();
    for (String name : list.split(",")) {
      if (!name.isBlank()) {
        names.add(name.strip());
      }
    }
    return Set.copyOf(names);
  }

  private static String get(Map<String, String> env, String name, String fallback) {
    String value = env.get(name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static boolean bool(Map<String, String> env, String name, List<String> problems) {
    String value = get(env, name, "false").toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> {
        problems.add(name + "='" + value + "' is not true or false");
        yield false;
      }
    };
  }

  private static InjectorLog.Level level(Map<String, String> env, List<String> problems) {
    try {
      return InjectorLog.Level.parse(get(env, InjectorEnv.VAULT_LOG_LEVEL, "info"));
    } catch (IllegalArgumentException e) {
      problems.add(InjectorEnv.VAULT_LOG_LEVEL + ": " + e.getMessage());
      return InjectorLog.Level.INFO;
    }
  }

  private static RestartMode restartMode(Map<String, String> env, List<String> problems) {
    try {
      return RestartMode.parse(get(env, InjectorEnv.VAULT_RESTART_MODE, "none"));
    } catch (IllegalArgumentException e) {
      problems.add(InjectorEnv.VAULT_RESTART_MODE + ": " + e.getMessage());
      return RestartMode.NONE;
    }
  }

  private static final Pattern DURATION = Pattern.compile("([0-9]{1,12})(ms|s|m|h)");

  /** Longer than any sensible timeout or poll interval; also keeps the arithmetic in range. */
  static final Duration MAX_DURATION = Duration.ofDays(1);

  /**
   * {@code 10s}, {@code 2m}, {@code 1h30m}, or a plain number of seconds; positive, at most 24h.
   */
  static Duration duration(
      Map<String, String> env, String name, String fallback, List<String> problems) {
    String text = get(env, name, fallback);
    Duration total = parseDuration(text);
    if (total == null || total.isZero() || total.compareTo(MAX_DURATION) > 0) {
      problems.add(
          name + "='" + text + "' is not a duration between 1ms and 24h such as 10s, 2m or 1h30m");
      return parseDuration(fallback);
    }
    return total;
  }

  /** Null when the text is not a duration (or too long to compute). */
  private static Duration parseDuration(String text) {
    try {
      if (text.matches("[0-9]{1,9}")) {
        return Duration.ofSeconds(Long.parseLong(text));
      }
      Matcher matcher = DURATION.matcher(text);
      Duration total = Duration.ZERO;
      int end = 0;
      while (matcher.find() && matcher.start() == end) {
        long amount = Long.parseLong(matcher.group(1));
        total =
            total.plus(
                switch (matcher.group(2)) {
                  case "ms" -> Duration.ofMillis(amount);
                  case "s" -> Duration.ofSeconds(amount);
                  case "m" -> Duration.ofMinutes(amount);
                  default -> Duration.ofHours(amount);
                });
        end = matcher.end();
      }
      return end == text.length() && end > 0 ? total : null;
    } catch (ArithmeticException | NumberFormatException tooLong) {
      return null;
    }
  }
}
