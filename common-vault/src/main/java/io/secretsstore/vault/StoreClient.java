package io.secretsstore.vault;

import io.micrometer.core.instrument.Timer;
import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.vault.authentication.KubernetesAuthentication;
import org.springframework.vault.authentication.KubernetesAuthenticationOptions;
import org.springframework.vault.authentication.LoginToken;
import org.springframework.vault.client.SimpleVaultEndpointProvider;
import org.springframework.vault.client.VaultClients;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.client.VaultHttpHeaders;
import org.springframework.vault.support.VaultResponse;
import org.springframework.vault.support.VaultToken;
import org.springframework.web.client.RestClient;

/**
 * Talks to one store connection: Kubernetes-auth login, KV v1/v2 reads, writes, token and lease
 * renewal. Thread-safe and stateless apart from its HTTP client; share one per {@link
 * StoreConnection} (see {@link StoreClients}).
 *
 * <h2>KV v1 or v2</h2>
 *
 * Callers give the API path as users write it ({@code secret/data/myapp} for KV v2, {@code
 * kv1/myapp} for KV v1) and the client reads exactly that path: one request, no mount lookup. The
 * engine version is recognised from the answer: a KV v2 read answers {@code data.data} plus {@code
 * data.metadata} with {@code version} and {@code created_time}; anything else is KV v1. Asking for
 * a version of a KV v1 secret is an error.
 *
 * <p>Every failure is a {@link StoreException} whose message names the store address, the path and
 * the HTTP status, never a token or a value. Connection errors, timeouts, 429 and 5xx are retried
 * according to the connection's {@link RetryPolicy}.
 */
public final class StoreClient implements AutoCloseable {

  /** Paths we accept: no leading slash, no empty, "." or ".." segments, no query/template chars. */
  private static final Pattern SAFE_PATH =
      Pattern.compile("[A-Za-z0-9_.\\-@:+=,~]+(/[A-Za-z0-9_.\\-@:+=,~]+)*");

  private final StoreConnection connection;
  private final RestClient rest;
  private final StoreMetrics metrics;
  private final StorePacing pacing;
  private final HttpClient http;
  private volatile boolean closed;

  private StoreClient(
      StoreConnection connection,
      RestClient rest,
      StoreMetrics metrics,
      StorePacing pacing,
      HttpClient http) {
    this.connection = connection;
    this.rest = rest;
    this.metrics = metrics;
    this.pacing = pacing;
    this.http = http;
  }

  /**
   * Releases the HTTP client (its connection pool and selector thread); requests in flight finish.
   */
  @Override
  public void close() {
    closed = true;
    http.shutdown();
  }

  public boolean isClosed() {
    return closed;
  }

  /** Creates a client with its own HTTP client for {@code connection}. */
  public static StoreClient create(StoreConnection connection, StoreMetrics metrics) {
    return create(connection, metrics, StorePacing.UNLIMITED);
  }

  /**
   * Creates a client with its own HTTP client for {@code connection}, whose attempts take permits
   * of {@code pacing} (shared by every client of a process).
   */
  public static StoreClient create(
      StoreConnection connection, StoreMetrics metrics, StorePacing pacing) {
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(pacing, "pacing");
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(connection.connectTimeout())
            .sslContext(StoreTls.sslContext(connection.tls()))
            .followRedirects(HttpClient.Redirect.NEVER)
            // Plain-HTTP stores would otherwise get an h2c upgrade attempt on every request.
            .version(connection.isTls() ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1)
            .build();
    JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(http);
    requestFactory.setReadTimeout(connection.requestTimeout());
    RestClient rest =
        VaultClients.createRestClient(
            SimpleVaultEndpointProvider.of(VaultEndpoint.from(connection.address())),
            requestFactory,
            builder ->
                connection
                    .namespace()
                    .ifPresent(
                        namespace ->
                            builder.requestInterceptor(
                                VaultClients.createNamespaceInterceptor(namespace))));
    return new StoreClient(connection, rest, metrics, pacing, http);
  }

  public StoreConnection connection() {
    return connection;
  }

  /**
   * Logs in with the Kubernetes auth method: {@code POST auth/<authPath>/login {role, jwt}}.
   *
   * @param authPath the auth mount path, e.g. {@code kubernetes} or {@code main-kube}
   * @param role the store role
   * @param jwt the pod's service-account token; never logged
   * @throws StoreLoginException if the store refuses the login or cannot be reached
   */
  public LoginToken login(String authPath, String role, String jwt) {
    String mount = requirePath(authPath, "auth path");
    if (role == null || role.isBlank()) {
      throw new IllegalArgumentException("the store role is empty");
    }
    if (jwt == null || jwt.isBlank()) {
      throw new IllegalArgumentException("the service-account token for the store login is empty");
    }
    String loginPath = "auth/" + mount + "/login";
    KubernetesAuthentication authentication =
        new KubernetesAuthentication(
            KubernetesAuthenticationOptions.builder()
                .path(mount)
                .role(role)
                .jwtSupplier(() -> jwt)
                .build(),
            rest);
    // The role is part of the "path" shown in errors: it is what users get wrong most often.
    String described = loginPath + " (role " + role + ")";
    try {
      return execute(Operation.LOGIN, described, () -> (LoginToken) authentication.login());
    } catch (StoreLoginException e) {
      throw e;
    } catch (StoreException e) {
      throw new StoreLoginException(
          e.kind(),
          e.address(),
          e.path(),
          e.httpStatus(),
          StoreErrorMapping.detailOf(e),
          e.getCause());
    }
  }

  /**
   * Reads a KV secret.
   *
   * @param path the API path as the user wrote it ({@code secret/data/myapp} or {@code kv/myapp})
   * @param version a KV v2 version, or empty for the latest
   * @throws SecretNotFoundException if the path, or the requested version, does not exist
   */
  public KvSecret readKv(VaultToken token, String path, OptionalInt version) {
    return readKvResponse(token, path, version).secret();
  }

  /** A KV read and the store's whole answer (one request). */
  public record KvRead(KvSecret secret, StoreResponse response) {}

  /**
   * Reads a KV secret like {@link #readKv} and keeps the store's whole answer, for callers that
   * hand it on (the upstream vault provider's object without {@code secretKey}).
   */
  public KvRead readKvResponse(VaultToken token, String path, OptionalInt version) {
    String apiPath = requirePath(path, "secret path");
    Objects.requireNonNull(version, "version");
    version.ifPresent(
        v -> {
          if (v < 1) {
            throw new IllegalArgumentException("secret version must be positive, was " + v);
          }
        });
    String uri = version.isPresent() ? apiPath + "?version=" + version.getAsInt() : apiPath;
    Map<String, Object> body =
        execute(
            Operation.READ,
            apiPath,
            () ->
                rest.get()
                    .uri(uri)
                    .header(VaultHttpHeaders.VAULT_TOKEN, token.getToken())
                    .retrieve()
                    .body(ANSWER));
    StoreResponse response = new StoreResponse(body == null ? Map.of() : body);
    return new KvRead(toKvSecret(apiPath, version, vaultResponse(body)), response);
  }

  /**
   * Writes to a path ({@code POST}), for {@code >>secrets-store:} references such as issuing a
   * certificate. Returns the {@code data} of the answer, or an empty map if there is none.
   */
  public Map<String, Object> write(VaultToken token, String path, Map<String, ?> body) {
    return new LinkedHashMap<>(writeResponse(token, path, body).data());
  }

  /** Like {@link #write}, keeping the store's whole answer. */
  public StoreResponse writeResponse(VaultToken token, String path, Map<String, ?> body) {
    String apiPath = requirePath(path, "secret path");
    Map<String, ?> payload = body == null ? Map.of() : body;
    Map<String, Object> answer =
        execute(
            Operation.WRITE,
            apiPath,
            () ->
                rest.post()
                    .uri(apiPath)
                    .header(VaultHttpHeaders.VAULT_TOKEN, token.getToken())
                    .body(payload)
                    .retrieve()
                    .body(ANSWER));
    return new StoreResponse(answer == null ? Map.of() : answer);
  }

  private static final ParameterizedTypeReference<Map<String, Object>> ANSWER =
      new ParameterizedTypeReference<>() {};

  /** The parts of an answer {@link #toKvSecret} looks at. */
  @SuppressWarnings("unchecked")
  private static VaultResponse vaultResponse(Map<String, Object> body) {
    if (body == null) {
      return null;
    }
    VaultResponse response = new VaultResponse();
    if (body.get("data") instanceof Map<?, ?> data) {
      response.setData((Map<String, Object>) data);
    }
    response.setLeaseDuration(asLong(body.get("lease_duration")));
    return response;
  }

  /**
   * Renews the token itself ({@code auth/token/renew-self}).
   *
   * @param increment the requested new TTL; the store may grant less
   * @return the token with its new lease duration
   */
  public LoginToken renewSelf(VaultToken token, Duration increment) {
    VaultResponse response =
        execute(
            Operation.RENEW,
            "auth/token/renew-self",
            () ->
                rest.post()
                    .uri("auth/token/renew-self")
                    .header(VaultHttpHeaders.VAULT_TOKEN, token.getToken())
                    .body(Map.of("increment", increment.toSeconds() + "s"))
                    .retrieve()
                    .body(VaultResponse.class));
    Map<String, Object> auth = response == null ? null : response.getAuth();
    if (auth == null) {
      throw invalidResponse("auth/token/renew-self", "the answer has no auth section");
    }
    long ttl = asLong(auth.get("lease_duration"));
    boolean renewable = Boolean.TRUE.equals(auth.get("renewable"));
    return LoginToken.builder()
        .token(token.getToken())
        .leaseDuration(Duration.ofSeconds(ttl))
        .renewable(renewable)
        .build();
  }

  /**
   * Renews a lease ({@code sys/leases/renew}).
   *
   * @return the lease as the store granted it
   */
  public Lease renewLease(VaultToken token, String leaseId, Duration increment) {
    if (leaseId == null || leaseId.isBlank()) {
      throw new IllegalArgumentException("lease id is empty");
    }
    VaultResponse response =
        execute(
            Operation.RENEW,
            "sys/leases/renew",
            () ->
                rest.put()
                    .uri("sys/leases/renew")
                    .header(VaultHttpHeaders.VAULT_TOKEN, token.getToken())
                    .body(Map.of("lease_id", leaseId, "increment", increment.toSeconds()))
                    .retrieve()
                    .body(VaultResponse.class));
    if (response == null || response.getLeaseId() == null) {
      throw invalidResponse("sys/leases/renew", "the answer has no lease id");
    }
    return new Lease(
        response.getLeaseId(),
        Duration.ofSeconds(response.getLeaseDuration()),
        response.isRenewable());
  }

  /** A renewable lease as the store reports it. */
  public record Lease(String leaseId, Duration duration, boolean renewable) {}

  private <T> T execute(Operation operation, String path, Supplier<T> call) {
    RetryPolicy policy = connection.retryPolicy();
    for (int attempt = 1; ; attempt++) {
      Timer.Sample sample = metrics.startRequest();
      StoreException failure;
      boolean neverSent;
      Optional<Duration> retryAfter;
      try {
        T result = pacing.attempt(call);
        metrics.recordRequest(sample, operation.tag, "success");
        return result;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        metrics.recordRequest(sample, operation.tag, StoreErrorKind.CANCELLED.code());
        throw cancelled(path, "before the request was sent", e);
      } catch (RuntimeException e) {
        if (Thread.currentThread().isInterrupted()) {
          // The HTTP stack turns an interrupt into an I/O error ("Request was interrupted") after
          // cancelling the exchange: the caller gave up, the store is not at fault.
          metrics.recordRequest(sample, operation.tag, StoreErrorKind.CANCELLED.code());
          throw cancelled(path, "while the request was in flight; it was aborted", e);
        }
        failure = StoreErrorMapping.map(operation, connection.displayAddress(), path, e);
        neverSent = StoreErrorMapping.neverProcessed(e, failure);
        retryAfter = StoreErrorMapping.retryAfter(e);
        metrics.recordRequest(sample, operation.tag, failure.errorCode());
      }
      // A write (issuing a certificate, dynamic credentials) that reached the store may have
      // happened: repeating it would issue twice. It is repeated only when the store provably did
      // not act on it (no connection, or 429).
      boolean mayRepeat = operation != Operation.WRITE || neverSent;
      if (!failure.retryable() || !mayRepeat || attempt >= policy.maxAttempts()) {
        throw failure;
      }
      // A store that says when to come back is believed, up to a bound; one that asks for longer
      // gets the failure now instead of a request that waits past its caller's deadline.
      if (retryAfter.isPresent() && retryAfter.get().compareTo(RetryPolicy.MAX_RETRY_AFTER) > 0) {
        throw failure;
      }
      Duration pause = policy.backoffAfter(attempt);
      if (retryAfter.isPresent() && retryAfter.get().compareTo(pause) > 0) {
        pause = retryAfter.get();
      }
      metrics.recordRetry(operation.tag, failure.errorCode());
      try {
        // No permit is held while waiting.
        pacing.pause(pause);
      } catch (InterruptedException interrupted) {
        Thread.currentThread().interrupt();
        throw cancelled(path, "while waiting to retry after: " + failure.getMessage(), interrupted);
      }
    }
  }

  private StoreException cancelled(String path, String when, Throwable cause) {
    return new StoreException(
        StoreErrorKind.CANCELLED,
        connection.displayAddress(),
        path,
        OptionalInt.empty(),
        "the caller was cancelled " + when,
        cause);
  }

  private KvSecret toKvSecret(String path, OptionalInt requestedVersion, VaultResponse response) {
    String address = connection.displayAddress();
    if (response == null || response.getData() == null) {
      throw new SecretNotFoundException(
          StoreErrorKind.NOT_FOUND, address, path, OptionalInt.empty(), "the answer has no data");
    }
    Map<String, Object> data = response.getData();
    Duration lease = Duration.ofSeconds(response.getLeaseDuration());
    Optional<Map<String, Object>> v2Metadata = kvV2Metadata(data);
    if (v2Metadata.isEmpty()) {
      if (requestedVersion.isPresent()) {
        throw new StoreException(
            StoreErrorKind.BAD_REQUEST,
            address,
            path,
            OptionalInt.empty(),
            "a version was requested, but this is a KV v1 secret (versions exist only in KV v2;"
                + " KV v2 paths contain /data/, e.g. secret/data/myapp)",
            null);
      }
      return new KvSecret(address, path, 1, data, OptionalInt.empty(), Optional.empty(), lease);
    }
    Map<String, Object> metadata = v2Metadata.get();
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) data.get("data");
    if (values == null) {
      // A deleted or destroyed latest version answers 200 on some store versions.
      throw StoreErrorMapping.missingVersion(address, path, metadata);
    }
    int version = (int) asLong(metadata.get("version"));
    return new KvSecret(
        address,
        path,
        2,
        values,
        OptionalInt.of(version),
        parseInstant(metadata.get("created_time")),
        lease);
  }

  /** The KV v2 metadata if {@code data} has the KV v2 shape. */
  @SuppressWarnings("unchecked")
  static Optional<Map<String, Object>> kvV2Metadata(Map<String, Object> data) {
    if (data.size() == 2
        && data.containsKey("data")
        && (data.get("data") == null || data.get("data") instanceof Map)
        && data.get("metadata") instanceof Map<?, ?> metadata
        && metadata.get("version") instanceof Number
        && metadata.containsKey("created_time")) {
      return Optional.of((Map<String, Object>) metadata);
    }
    return Optional.empty();
  }

  private static Optional<Instant> parseInstant(Object value) {
    if (value instanceof String text && !text.isEmpty()) {
      try {
        return Optional.of(Instant.parse(text));
      } catch (DateTimeParseException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static long asLong(Object value) {
    return value instanceof Number number ? number.longValue() : 0L;
  }

  private StoreException invalidResponse(String path, String detail) {
    return new StoreException(
        StoreErrorKind.INVALID_RESPONSE,
        connection.displayAddress(),
        path,
        OptionalInt.empty(),
        detail,
        null);
  }

  /**
   * Validates a store path or mount before it becomes part of a URI: strips surrounding slashes and
   * rejects empty, {@code .}/{@code ..} segments and characters that would change the request.
   */
  static String requirePath(String path, String what) {
    if (path == null) {
      throw new IllegalArgumentException("the " + what + " is empty");
    }
    String trimmed = path.strip();
    while (trimmed.startsWith("/")) {
      trimmed = trimmed.substring(1);
    }
    while (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("the " + what + " is empty");
    }
    if (!SAFE_PATH.matcher(trimmed).matches()) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " '"
              + path
              + "' contains characters that are not allowed in a store path"
              + " (letters, digits and - _ . @ : + = , ~ separated by single slashes)");
    }
    for (String segment : List.of(trimmed.split("/"))) {
      if (segment.equals(".") || segment.equals("..")) {
        throw new IllegalArgumentException(
            "the " + what + " '" + path + "' must not contain '.' or '..' segments");
      }
    }
    return trimmed;
  }

  /** The store operations, as metric tags. */
  enum Operation {
    LOGIN("login"),
    READ("read"),
    WRITE("write"),
    RENEW("renew");

    final String tag;

    Operation(String tag) {
      this.tag = tag;
    }
  }
}
