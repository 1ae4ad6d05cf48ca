package io.secretsstore.model.names;

import java.util.List;

/**
 * Pod annotations that control environment injection (prefix {@code secrets-store.deckhouse.io/}),
 * with the defaults the module documents. Module configuration may change the defaults.
 */
public final class Annotations {

  public static final String PREFIX = "secrets-store.deckhouse.io/";

  /** Store role for the pod's login. Its presence turns injection on. */
  public static final String ROLE = PREFIX + "role";

  /** Store address; defaults to the module's connection URL. */
  public static final String ADDR = PREFIX + "addr";

  /** Mount path of the Kubernetes auth method; defaults to the module's connection authPath. */
  public static final String AUTH_PATH = PREFIX + "auth-path";

  /** Store namespace (X-Vault-Namespace); defaults to the module's connection namespace. */
  public static final String NAMESPACE = PREFIX + "namespace";

  /** Secret in the pod's namespace whose {@code ca.crt} verifies the store's TLS certificate. */
  public static final String TLS_SECRET = PREFIX + "tls-secret";

  /** Skip TLS verification of the store ("true"/"false"). */
  public static final String TLS_SKIP_VERIFY = PREFIX + "tls-skip-verify";

  /** Comma-separated store paths whose every key becomes a variable; later paths win. */
  public static final String ENV_FROM_PATH = PREFIX + "env-from-path";

  /** Start the application even if a secret or key is missing. */
  public static final String IGNORE_MISSING_SECRETS = PREFIX + "ignore-missing-secrets";

  public static final String IGNORE_MISSING_SECRETS_DEFAULT = "false";

  /** Timeout for resolving secrets, as a duration ("10s"). */
  public static final String CLIENT_TIMEOUT = PREFIX + "client-timeout";

  public static final String CLIENT_TIMEOUT_DEFAULT = "10s";

  /** Run exec probes through the injector so they see the secrets too. */
  public static final String MUTATE_PROBES = PREFIX + "mutate-probes";

  public static final String MUTATE_PROBES_DEFAULT = "false";

  /** Injector log level. */
  public static final String LOG_LEVEL = PREFIX + "log-level";

  public static final String LOG_LEVEL_DEFAULT = "info";

  /** Injector logs as JSON ("true") or text ("false"). */
  public static final String ENABLE_JSON_LOG = PREFIX + "enable-json-log";

  public static final String ENABLE_JSON_LOG_DEFAULT = "false";

  /** Space-separated container names that are never mutated. */
  public static final String SKIP_MUTATE_CONTAINERS = PREFIX + "skip-mutate-containers";

  /** Containers skipped even without the annotation (service-mesh sidecars and their init). */
  public static final List<String> SKIP_MUTATE_CONTAINERS_DEFAULT =
      List.of("istio-proxy", "istio-init", "istio-validation");

  /** Path of the token the injector logs in with, instead of the projected one the webhook adds. */
  public static final String SERVICE_ACCOUNT_TOKEN_PATH = PREFIX + "service-account-token-path";

  /** What the injector does when secrets change: none, watch-for-lease or watch-for-data. */
  public static final String RESTART_ON_SECRET_CHANGE = PREFIX + "restart-on-secret-change";

  public static final String RESTART_ON_SECRET_CHANGE_DEFAULT = "none";

  public static final List<String> RESTART_ON_SECRET_CHANGE_VALUES =
      List.of("none", "watch-for-lease", "watch-for-data");

  /** How often the injector polls the store in watch-for-data mode, as a duration ("120s"). */
  public static final String SECRET_POLL_INTERVAL = PREFIX + "secret-poll-interval";

  public static final String SECRET_POLL_INTERVAL_DEFAULT = "120s";

  /** Pull policy of the init container that copies the injector. */
  public static final String ENV_INJECTOR_PULL_POLICY = PREFIX + "env-injector-pull-policy";

  /** Every annotation above, for validation and documentation. */
  public static final List<String> ALL =
      List.of(
          ROLE,
          ADDR,
          AUTH_PATH,
          NAMESPACE,
          TLS_SECRET,
          TLS_SKIP_VERIFY,
          ENV_FROM_PATH,
          IGNORE_MISSING_SECRETS,
          CLIENT_TIMEOUT,
          MUTATE_PROBES,
          LOG_LEVEL,
          ENABLE_JSON_LOG,
          SKIP_MUTATE_CONTAINERS,
          SERVICE_ACCOUNT_TOKEN_PATH,
          RESTART_ON_SECRET_CHANGE,
          SECRET_POLL_INTERVAL,
          ENV_INJECTOR_PULL_POLICY);

  private Annotations() {}
}
