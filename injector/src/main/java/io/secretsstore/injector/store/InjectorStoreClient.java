package io.secretsstore.injector.store;

import io.secretsstore.injector.store.StoreHttp.Operation;
import io.secretsstore.vault.KvSecret;
import io.secretsstore.vault.error.StoreErrorKind;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.SSLContext;

/**
 * The injector's store client: Kubernetes-auth login, reads (KV v1/v2 and dynamic secrets, with
 * their lease), writes, token and lease renewal. No framework: the JDK's HTTP client and {@link
 * Json}. Its request and answer semantics are common-vault's {@code StoreClient}'s, which {@code
 * StoreClientParityIT} checks scenario by scenario against a real OpenBao. Not thread-safe; the
 * injector uses it from one thread at a time.
 */
public final class InjectorStoreClient implements AutoCloseable {

  /** A store token; {@link #toString()} never shows it. */
  public record Token(String value, Duration leaseDuration, boolean renewable) {
    @Override
    public String toString() {
      return "Token[ttl=" + leaseDuration + ", renewable=" + renewable + "]";
    }
  }

  /** A lease the store attached to a read (dynamic secrets: database credentials, ...). */
  public record Lease(String id, Duration duration, boolean renewable) {}

  /** What a read returned: the secret and, for dynamic secrets, its lease. */
  public record Read(KvSecret secret, Optional<Lease> lease) {}

  private final StoreHttp http;

  /**
   * @param address {@code http(s)://host[:port]}, already validated
   * @param namespace the Vault namespace, or empty
   * @param tls the trust to verify the store with
   * @param skipVerify accept any certificate and host name (the caller warns)
   * @param requestTimeout connect and read timeout of one request
   */
  public InjectorStoreClient(
      URI address,
      Optional<String> namespace,
      SSLContext tls,
      boolean skipVerify,
      Duration requestTimeout) {
    this.http = new StoreHttp(address, namespace, tls, skipVerify, requestTimeout);
  }

  public String address() {
    return http.displayAddress();
  }

  /** {@code POST auth/<authPath>/login {role, jwt}}; the JWT is never logged. */
  public Token login(String authPath, String role, String jwt) {
    String mount = StorePaths.require(authPath, "auth path");
    String described = "auth/" + mount + "/login (role " + role + ")";
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("role", role);
    body.put("jwt", jwt);
    StoreHttp.Answer answer =
        http.exchange(
            Operation.LOGIN,
            "POST",
            "auth/" + StorePaths.encode(mount) + "/login",
            described,
            null,
            body);
    if (!(answer.json().get("auth") instanceof Map<?, ?> auth)
        || !(auth.get("client_token") instanceof String token)
        || token.isEmpty()) {
      throw http.failure(
          Operation.LOGIN,
          StoreErrorKind.INVALID_RESPONSE,
          described,
          OptionalInt.empty(),
          "the answer has no auth.client_token");
    }
    return new Token(
        token,
        Duration.ofSeconds(StoreAnswers.asLong(auth.get("lease_duration"))),
        Boolean.TRUE.equals(auth.get("renewable")));
  }

  /**
   * Reads a path ({@code GET}), optionally a KV v2 version.
   *
   * @throws io.secretsstore.vault.error.SecretNotFoundException if the path, or the version, does
   *     not exist
   */
  public Read read(Token token, String path, OptionalInt version) {
    String apiPath = StorePaths.require(path, "secret path");
    if (version.isPresent() && version.getAsInt() < 1) {
      throw new IllegalArgumentException("secret version must be positive");
    }
    String query = version.isPresent() ? "?version=" + version.getAsInt() : "";
    StoreHttp.Answer answer =
        http.exchange(
            Operation.READ,
            "GET",
            StorePaths.encode(apiPath) + query,
            apiPath,
            token.value(),
            null);
    KvSecret secret = StoreAnswers.kvSecret(address(), apiPath, version, answer.json());
    Optional<Lease> lease = Optional.empty();
    if (answer.json().get("lease_id") instanceof String id && !id.isEmpty()) {
      lease =
          Optional.of(
              new Lease(
                  id,
                  Duration.ofSeconds(StoreAnswers.asLong(answer.json().get("lease_duration"))),
                  Boolean.TRUE.equals(answer.json().get("renewable"))));
    }
    return new Read(secret, lease);
  }

  /** {@code POST <path>} with a JSON body; the {@code data} of the answer (empty if none). */
  @SuppressWarnings("unchecked")
  public Map<String, Object> write(Token token, String path, Map<String, ?> body) {
    String apiPath = StorePaths.require(path, "secret path");
    StoreHttp.Answer answer =
        http.exchange(
            Operation.WRITE,
            "POST",
            StorePaths.encode(apiPath),
            apiPath,
            token.value(),
            body == null ? Map.of() : body);
    return answer.json().get("data") instanceof Map<?, ?> data
        ? new LinkedHashMap<>((Map<String, Object>) data)
        : Map.of();
  }

  /** {@code POST auth/token/renew-self}; the token with the TTL the store granted. */
  public Token renewSelf(Token token, Duration increment) {
    String path = "auth/token/renew-self";
    StoreHttp.Answer answer =
        http.exchange(
            Operation.RENEW,
            "POST",
            path,
            path,
            token.value(),
            Map.of("increment", increment.toSeconds() + "s"));
    if (!(answer.json().get("auth") instanceof Map<?, ?> auth)) {
      throw http.failure(
          Operation.RENEW,
          StoreErrorKind.INVALID_RESPONSE,
          path,
          OptionalInt.empty(),
          "the answer has no auth section");
    }
    return new Token(
        token.value(),
        Duration.ofSeconds(StoreAnswers.asLong(auth.get("lease_duration"))),
        Boolean.TRUE.equals(auth.get("renewable")));
  }

  /** {@code PUT sys/leases/renew}; the lease as the store granted it. */
  public Lease renewLease(Token token, String leaseId, Duration increment) {
    String path = "sys/leases/renew";
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("lease_id", leaseId);
    body.put("increment", increment.toSeconds());
    StoreHttp.Answer answer =
        http.exchange(Operation.RENEW, "PUT", path, path, token.value(), body);
    if (!(answer.json().get("lease_id") instanceof String id) || id.isEmpty()) {
      throw http.failure(
          Operation.RENEW,
          StoreErrorKind.INVALID_RESPONSE,
          path,
          OptionalInt.empty(),
          "the answer has no lease id");
    }
    return new Lease(
        id,
        Duration.ofSeconds(StoreAnswers.asLong(answer.json().get("lease_duration"))),
        Boolean.TRUE.equals(answer.json().get("renewable")));
  }

  /** Drops the connection kept for reuse (before {@code execve}, nothing stays open). */
  @Override
  public void close() {
    http.close();
  }
}
