package io.secretsstore.vault;

import io.secretsstore.vault.error.SecretNotFoundException;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import io.secretsstore.vault.error.StoreLoginException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * Talks to one store connection: Kubernetes-auth login, KV v1/v2 reads, writes, token and lease
 * renewal. Thread-safe and stateless apart from its TLS socket factory; share one per {@link
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
  private final RetryingExecutor retries;
  private final StoreRequestFactory requests;
  private final URI apiBase;
  private volatile boolean closed;

  private StoreClient(
      StoreConnection connection,
      RestClient rest,
      StoreMetrics metrics,
      StorePacing pacing,
      StoreReachability reachability,
      StoreRequestFactory requests) {
    this.connection = connection;
    this.rest = rest;
    this.retries = new RetryingExecutor(connection, metrics, pacing, reachability);
    this.requests = requests;
    this.apiBase = URI.create(connection.displayAddress() + "/v1/");
  }

  /**
   * Marks the client closed (its owner, {@link StoreClients}, no longer hands it out); requests in
   * flight finish. It holds no thread or pool of its own: idle kept-alive connections of its TLS
   * trust leave the JDK's keep-alive cache within its idle timeout (5 s).
   */
  @Override
  public void close() {
    closed = true;
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
    return create(connection, metrics, pacing, StoreReachability.ALWAYS_TRY);
  }

  /**
   * As {@link #create(StoreConnection, StoreMetrics, StorePacing)}, failing fast while {@code
   * reachability} holds the connection's address as unreachable.
   */
  public static StoreClient create(
      StoreConnection connection,
      StoreMetrics metrics,
      StorePacing pacing,
      StoreReachability reachability) {
    Objects.requireNonNull(reachability, "reachability");
    Objects.requireNonNull(connection, "connection");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(pacing, "pacing");
    StoreRequestFactory requests = new StoreRequestFactory(connection);
    RestClient rest =
        VaultClients.createRestClient(
            SimpleVaultEndpointProvider.of(VaultEndpoint.from(connection.address())),
            requests,
            builder ->
                connection
                    .namespace()
                    .ifPresent(
                        namespace ->
                            builder.requestInterceptor(
                                VaultClients.createNamespaceInterceptor(namespace))));
    return new StoreClient(connection, rest, metrics, pacing, reachability, requests);
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
    // The hot path of every mount: one blocking exchange on the request factory and one JSON
    // parse, without the RestClient's message-converter dispatch (issue 17).
    Map<String, Object> body = execute(Operation.READ, apiPath, () -> getJson(uri, token));
    StoreResponse response = new StoreResponse(body == null ? Map.of() : body);
    return new KvRead(
        KvResponses.toKvSecret(connection.displayAddress(), apiPath, version, body), response);
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

  private static final JsonMapper JSON = JsonMapper.builder().build();

  /**
   * {@code GET /v1/<uri>} with the token: the answer's JSON object, null for an empty answer; an
   * error status is a {@link StoreHttpStatus}, a transport failure an {@link UncheckedIOException}
   * (the interrupt flag stays set when the caller was interrupted: the exchange is cancelled).
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> getJson(String uri, VaultToken token) {
    byte[] bytes;
    int status;
    try {
      ClientHttpRequest request = requests.createRequest(apiBase.resolve(uri), HttpMethod.GET);
      HttpHeaders headers = request.getHeaders();
      headers.set(HttpHeaders.ACCEPT, "application/json");
      headers.set(VaultHttpHeaders.VAULT_TOKEN, token.getToken());
      connection.namespace().ifPresent(ns -> headers.set(VaultHttpHeaders.VAULT_NAMESPACE, ns));
      // Read to the end and closed: the connection goes back to the keep-alive cache.
      try (ClientHttpResponse response = request.execute()) {
        status = response.getStatusCode().value();
        bytes = response.getBody().readAllBytes();
        // A redirect is not followed (a token is never carried to another address): it is the
        // store's error, with its status, as a 4xx is.
        if (status >= 300) {
          throw new StoreHttpStatus(
              status, new String(bytes, StandardCharsets.UTF_8), response.getHeaders());
        }
      }
    } catch (IOException e) {
      // An interrupted (virtual) caller's socket was closed: its interrupt flag stays set, and the
      // attempt is reported as cancelled.
      throw new UncheckedIOException(e);
    }
    if (bytes.length == 0) {
      return null;
    }
    try {
      return JSON.readValue(bytes, Map.class);
    } catch (RuntimeException e) {
      throw new IllegalStateException("the answer is not a JSON object (HTTP " + status + ")");
    }
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
    long ttl = KvResponses.asLong(auth.get("lease_duration"));
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
    return retries.execute(operation, path, call);
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
