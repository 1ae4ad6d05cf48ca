package io.secretsstore.model.names;

import java.util.Set;

/**
 * The environment contract between the webhook and the injector. The webhook sets these variables
 * on each mutated container; the injector reads them and removes every one of them ({@link
 * #CONTROL_VARIABLES}) from the application's environment.
 */
public final class InjectorEnv {

  /** Store address, e.g. https://vault.example.com:8200. */
  public static final String VAULT_ADDR = "VAULT_ADDR";

  /** Store role for the Kubernetes-auth login. */
  public static final String VAULT_ROLE = "VAULT_ROLE";

  /** Mount path of the Kubernetes auth method (default "kubernetes"). */
  public static final String VAULT_PATH = "VAULT_PATH";

  public static final String VAULT_PATH_DEFAULT = "kubernetes";

  /** Store namespace (X-Vault-Namespace); empty for none. */
  public static final String VAULT_NAMESPACE = "VAULT_NAMESPACE";

  /** Path of a PEM file with the CA that verifies the store's certificate. */
  public static final String VAULT_CACERT = "VAULT_CACERT";

  /** The same CA as PEM text, when no file is mounted. */
  public static final String VAULT_CACERT_BYTES = "VAULT_CACERT_BYTES";

  /** "true" to skip TLS verification. */
  public static final String VAULT_SKIP_VERIFY = "VAULT_SKIP_VERIFY";

  /** "true" to start the application even if a secret or key is missing. */
  public static final String VAULT_IGNORE_MISSING_SECRETS = "VAULT_IGNORE_MISSING_SECRETS";

  /** Timeout of one store request (a login attempt, a read), as a duration (default 10s). */
  public static final String VAULT_CLIENT_TIMEOUT = "VAULT_CLIENT_TIMEOUT";

  /**
   * How long the login is retried (connection errors, 429, 5xx, a token file not there yet) before
   * the injector gives up, as a duration (default 2m): it outlasts a starved node or a short store
   * outage, where a restart would only start the JVM again.
   */
  public static final String VAULT_LOGIN_TIMEOUT = "VAULT_LOGIN_TIMEOUT";

  /** Log level: error, warn, info, debug (default info). */
  public static final String VAULT_LOG_LEVEL = "VAULT_LOG_LEVEL";

  /** "true" for JSON log lines on stderr. */
  public static final String VAULT_JSON_LOG = "VAULT_JSON_LOG";

  /** Comma-separated {@code path[#version]} list: every key becomes a variable. */
  public static final String VAULT_ENV_FROM_PATH = "VAULT_ENV_FROM_PATH";

  /** File with the service-account token the injector logs in with. */
  public static final String VAULT_TOKEN_PATH = "VAULT_TOKEN_PATH";

  /** Where the webhook mounts the projected, audience-bound token. */
  public static final String VAULT_TOKEN_PATH_DEFAULT =
      "/var/run/secrets/secrets-store.deckhouse.io/serviceaccount/token";

  /** Fallback when no projected token is mounted: the pod's regular service-account token. */
  public static final String LEGACY_TOKEN_PATH =
      "/var/run/secrets/kubernetes.io/serviceaccount/token";

  /** none, watch-for-lease or watch-for-data (default none: plain execve). */
  public static final String VAULT_RESTART_MODE = "VAULT_RESTART_MODE";

  /** Poll interval for watch-for-data, as a duration (default 120s). */
  public static final String VAULT_POLL_INTERVAL = "VAULT_POLL_INTERVAL";

  /**
   * Where the reason of a restart is written (default {@code /dev/termination-log}, which kubelet
   * shows as the container's last state).
   */
  public static final String VAULT_TERMINATION_LOG = "VAULT_TERMINATION_LOG";

  /** Every control variable; the injector removes them all from the child's environment. */
  public static final Set<String> CONTROL_VARIABLES =
      Set.of(
          VAULT_ADDR,
          VAULT_ROLE,
          VAULT_PATH,
          VAULT_NAMESPACE,
          VAULT_CACERT,
          VAULT_CACERT_BYTES,
          VAULT_SKIP_VERIFY,
          VAULT_IGNORE_MISSING_SECRETS,
          VAULT_CLIENT_TIMEOUT,
          VAULT_LOGIN_TIMEOUT,
          VAULT_LOG_LEVEL,
          VAULT_JSON_LOG,
          VAULT_ENV_FROM_PATH,
          VAULT_TOKEN_PATH,
          VAULT_RESTART_MODE,
          VAULT_POLL_INTERVAL,
          VAULT_TERMINATION_LOG,
          // Never pass a store token on, should the pod author have set one.
          "VAULT_TOKEN");

  private InjectorEnv() {}
}
