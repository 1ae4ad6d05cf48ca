package io.secretsstore.vault;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the store is and how to talk to it: address, Vault namespace, TLS and timeouts.
 *
 * <p>Immutable and comparable, so that clients can be shared between callers that use the same
 * connection (see {@link StoreClients}). Build it with {@link #builder(String)}, which fails fast
 * on a malformed address.
 */
public record StoreConnection(
    URI address,
    Optional<String> namespace,
    TlsOptions tls,
    Duration connectTimeout,
    Duration requestTimeout,
    RetryPolicy retryPolicy) {

  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  public StoreConnection {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(retryPolicy, "retryPolicy");
    requirePositive(connectTimeout, "connectTimeout");
    requirePositive(requestTimeout, "requestTimeout");
    namespace = namespace.map(StoreConnection::normalizeNamespace).filter(ns -> !ns.isEmpty());
  }

  /**
   * Starts a builder for the store at {@code address} ({@code http(s)://host[:port]}).
   *
   * @throws IllegalArgumentException naming the problem when the address is not such a URL
   */
  public static Builder builder(String address) {
    return new Builder(parseAddress(address));
  }

  public boolean isTls() {
    return "https".equals(address.getScheme());
  }

  /** The address without a trailing slash, as used in messages and metrics-free logs. */
  public String displayAddress() {
    String text = address.toString();
    return text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
  }

  static URI parseAddress(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("store address is empty; expected http(s)://host[:port]");
    }
    URI uri;
    try {
      uri = URI.create(address.trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "store address '" + address + "' is not a valid URL; expected http(s)://host[:port]");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException(
          "store address '" + address + "' must start with http:// or https://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("store address '" + address + "' has no host");
    }
    if (uri.getRawUserInfo() != null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException(
          "store address '" + address + "' must not contain user info, a query or a fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    if (!path.isEmpty() && !path.equals("/")) {
      throw new IllegalArgumentException(
          "store address '" + address + "' must not contain a path (the API prefix /v1 is added)");
    }
    return URI.create(scheme + "://" + uri.getRawAuthority());
  }

  private static String normalizeNamespace(String namespace) {
    String trimmed = namespace.trim();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    return trimmed;
  }

  private static void requirePositive(Duration duration, String name) {
    Objects.requireNonNull(duration, name);
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, was " + duration);
    }
  }

  /** Fail-fast builder; every setter validates its input. */
  public static final class Builder {
    private final URI address;
    private Optional<String> namespace = Optional.empty();
    private TlsOptions tls = TlsOptions.SYSTEM_CAS;
    private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
    private Duration requestTimeout = DEFAULT_REQUEST_TIMEOUT;
    private RetryPolicy retryPolicy = RetryPolicy.DEFAULT;

    private Builder(URI address) {
      this.address = address;
    }

    /** The Vault namespace ({@code X-Vault-Namespace}); null or blank means none. */
    public Builder namespace(String namespace) {
      this.namespace = Optional.ofNullable(namespace);
      return this;
    }

    public Builder tls(TlsOptions tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    public Builder connectTimeout(Duration connectTimeout) {
      this.connectTimeout = connectTimeout;
      return this;
    }

    public Builder requestTimeout(Duration requestTimeout) {
      this.requestTimeout = requestTimeout;
      return this;
    }

    public Builder retryPolicy(RetryPolicy retryPolicy) {
      this.retryPolicy = retryPolicy;
      return this;
    }

    public StoreConnection build() {
      return new StoreConnection(
          address, namespace, tls, connectTimeout, requestTimeout, retryPolicy);
    }
  }
}
