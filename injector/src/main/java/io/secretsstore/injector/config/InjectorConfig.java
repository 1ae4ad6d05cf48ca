package io.secretsstore.injector.config;

import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.model.names.InjectorEnv;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The injector's settings, read from the environment contract the webhook writes ({@link
 * InjectorEnv}). Every problem is collected and reported at once, naming the variable.
 */
public record InjectorConfig(
    String address,
    String role,
    String authPath,
    String namespace,
    Optional<Path> caCertFile,
    Optional<String> caCertPem,
    boolean skipVerify,
    boolean ignoreMissingSecrets,
    Duration clientTimeout,
    InjectorLog.Level logLevel,
    boolean jsonLog,
    String envFromPath,
    Path tokenPath,
    RestartMode restartMode,
    Duration pollInterval,
    Path terminationLog) {

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
    String address = get(env, InjectorEnv.VAULT_ADDR, "");
    if (address.isEmpty()) {
      problems.add(
          InjectorEnv.VAULT_ADDR + " is not set: the store address, e.g. https://vault:8200");
    } else if (!address.startsWith("https://") && !address.startsWith("http://")) {
      problems.add(InjectorEnv.VAULT_ADDR + "='" + address + "' is not an http(s) URL");
    }
    String role = get(env, InjectorEnv.VAULT_ROLE, "");
    if (role.isEmpty()) {
      problems.add(InjectorEnv.VAULT_ROLE + " is not set: the store role to log in with");
    }
    String caFile = get(env, InjectorEnv.VAULT_CACERT, "");
    String caPem = get(env, InjectorEnv.VAULT_CACERT_BYTES, "");
    if (!caFile.isEmpty() && !Files.isReadable(Path.of(caFile))) {
      problems.add(InjectorEnv.VAULT_CACERT + "='" + caFile + "' is not a readable file");
    }
    String tokenPath = get(env, InjectorEnv.VAULT_TOKEN_PATH, "");
    Path token =
        tokenPath.isEmpty()
            ? (Files.exists(Path.of(InjectorEnv.VAULT_TOKEN_PATH_DEFAULT))
                ? Path.of(InjectorEnv.VAULT_TOKEN_PATH_DEFAULT)
                : Path.of(InjectorEnv.LEGACY_TOKEN_PATH))
            : Path.of(tokenPath);
    InjectorConfig config =
        new InjectorConfig(
            address,
            role,
            get(env, InjectorEnv.VAULT_PATH, InjectorEnv.VAULT_PATH_DEFAULT),
            get(env, InjectorEnv.VAULT_NAMESPACE, ""),
            caFile.isEmpty() ? Optional.empty() : Optional.of(Path.of(caFile)),
            caPem.isEmpty() ? Optional.empty() : Optional.of(caPem),
            bool(env, InjectorEnv.VAULT_SKIP_VERIFY, problems),
            bool(env, InjectorEnv.VAULT_IGNORE_MISSING_SECRETS, problems),
            duration(env, InjectorEnv.VAULT_CLIENT_TIMEOUT, "10s", problems),
            level(env, problems),
            bool(env, InjectorEnv.VAULT_JSON_LOG, problems),
            get(env, InjectorEnv.VAULT_ENV_FROM_PATH, ""),
            token,
            restartMode(env, problems),
            duration(env, InjectorEnv.VAULT_POLL_INTERVAL, "120s", problems),
            Path.of(get(env, InjectorEnv.VAULT_TERMINATION_LOG, TERMINATION_LOG_DEFAULT)));
    if (!problems.isEmpty()) {
      throw new InvalidConfigException(problems);
    }
    return config;
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

  private static final Pattern DURATION = Pattern.compile("([0-9]+)(ms|s|m|h)");

  /** {@code 10s}, {@code 2m}, {@code 1h30m}, or a plain number of seconds. */
  static Duration duration(
      Map<String, String> env, String name, String fallback, List<String> problems) {
    String text = get(env, name, fallback);
    if (text.matches("[0-9]+")) {
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
    if (end != text.length() || end == 0 || total.isZero()) {
      problems.add(name + "='" + text + "' is not a positive duration such as 10s, 2m or 1h30m");
      return Duration.parse("PT" + fallback.toUpperCase(Locale.ROOT));
    }
    return total;
  }
}
