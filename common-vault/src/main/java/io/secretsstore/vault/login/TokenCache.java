package io.secretsstore.vault.login;

import io.secretsstore.vault.StoreClient;
import io.secretsstore.vault.StoreConnection;
import io.secretsstore.vault.StoreMetrics;
import io.secretsstore.vault.TlsOptions;
import io.secretsstore.vault.error.StoreErrorKind;
import io.secretsstore.vault.error.StoreException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.springframework.vault.authentication.LoginToken;
import org.springframework.vault.support.VaultToken;

/**
 * Reuses store logins per identity: (address, Vault namespace, TLS trust, auth path, role, service
 * account, token audiences).
 *
 * <ul>
 *   <li>A token is reused until a safety margin before its TTL ends ({@link #refreshMargin}: a
 *       fifth of the TTL, at least 5 seconds), then replaced by a new login.
 *   <li>Concurrent callers of one identity share a single login in flight.
 *   <li>A token is never handed to another identity: the key contains the service account and the
 *       JWT's audiences, and a JWT whose subject is a different account, or that has expired, is
 *       refused before the cache is consulted.
 *   <li>Failed logins are not cached; every waiter gets the failure.
 * </ul>
 */
public final class TokenCache {

  private static final Duration MIN_MARGIN = Duration.ofSeconds(5);

  private final ConcurrentHashMap<LoginKey, CompletableFuture<CachedToken>> tokens =
      new ConcurrentHashMap<>();
  private final Clock clock;
  private final StoreMetrics metrics;

  public TokenCache(Clock clock, StoreMetrics metrics) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
  }

  /**
   * Runs {@code action} with a token for {@code login}. If the action is denied (HTTP 403) with a
   * token that came from the cache, the token may have been revoked: it is dropped and the action
   * runs once more with a fresh login.
   */
  public <T> T withToken(
      StoreClient client, KubernetesLogin login, Function<VaultToken, T> action) {
    Lookup lookup = lookup(client, login);
    try {
      return action.apply(lookup.token());
    } catch (StoreException e) {
      if (e.kind() != StoreErrorKind.PERMISSION_DENIED || lookup.fresh()) {
        throw e;
      }
      invalidate(client, login, lookup.token());
      return action.apply(lookup(client, login).token());
    }
  }

  /** A token for {@code login}, from the cache or from a new login. */
  public VaultToken token(StoreClient client, KubernetesLogin login) {
    return lookup(client, login).token();
  }

  /** Drops {@code token} for this identity, unless it was already replaced. */
  public void invalidate(StoreClient client, KubernetesLogin login, VaultToken token) {
    Optional<ServiceAccountJwt> claims = ServiceAccountJwt.read(login.jwt().get());
    if (claims.isEmpty()) {
      return;
    }
    LoginKey key = LoginKey.of(client.connection(), login, claims.get());
    CompletableFuture<CachedToken> entry = tokens.get(key);
    if (entry != null
        && entry.isDone()
        && !entry.isCompletedExceptionally()
        && entry.join().token().getToken().equals(token.getToken())) {
      tokens.remove(key, entry);
    }
  }

  /** Number of identities with a cached or in-flight login. */
  public int size() {
    return tokens.size();
  }

  private Lookup lookup(StoreClient client, KubernetesLogin login) {
    // Checked on every call, cache hit or not: a token of another account (or an expired one)
    // must never unlock this account's cached login.
    ServiceAccountJwt claims =
        ServiceAccountJwt.requireFor(login.jwt().get(), login.serviceAccount(), clock.instant());
    LoginKey key = LoginKey.of(client.connection(), login, claims);
    while (true) {
      CompletableFuture<CachedToken> existing = tokens.get(key);
      if (existing != null) {
        if (!existing.isDone()) {
          metrics.recordTokenCache("joined");
          Optional<CachedToken> joined = await(existing, client, login);
          if (joined.isEmpty()) {
            continue; // its owner was cancelled: log in ourselves
          }
          return new Lookup(joined.get().token(), true);
        }
        if (!existing.isCompletedExceptionally() && existing.join().usableAt(clock.instant())) {
          metrics.recordTokenCache("hit");
          return new Lookup(existing.join().token(), false);
        }
        tokens.remove(key, existing);
        continue;
      }
      CompletableFuture<CachedToken> mine = new CompletableFuture<>();
      if (tokens.putIfAbsent(key, mine) != null) {
        continue;
      }
      metrics.recordTokenCache("miss");
      try {
        LoginToken token = client.login(login.authPath(), login.role(), login.jwt().get());
        CachedToken cached = new CachedToken(token, clock.instant());
        mine.complete(cached);
        if (!cached.cacheable()) {
          tokens.remove(key, mine);
        }
        return new Lookup(token, true);
      } catch (RuntimeException e) {
        tokens.remove(key, mine);
        mine.completeExceptionally(e);
        throw e;
      }
    }
  }

  /**
   * Waits for another caller's login: its token, or empty if that caller was cancelled (its login
   * was abandoned, not refused). Interruptible: a cancelled waiter stops waiting.
   */
  private static Optional<CachedToken> await(
      CompletableFuture<CachedToken> inFlight, StoreClient client, KubernetesLogin login) {
    try {
      return Optional.of(inFlight.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException(
          StoreErrorKind.CANCELLED,
          client.connection().displayAddress(),
          "auth/" + login.authPath() + "/login",
          java.util.OptionalInt.empty(),
          "the caller was cancelled while waiting for a login in flight",
          e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof StoreException cause
          && cause.kind() == StoreErrorKind.CANCELLED) {
        return Optional.empty();
      }
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new CompletionException(e.getCause());
    }
  }

  /** How long before the end of a TTL a token stops being reused. */
  static Duration refreshMargin(Duration ttl) {
    Duration fifth = ttl.dividedBy(5);
    return fifth.compareTo(MIN_MARGIN) > 0 ? fifth : MIN_MARGIN;
  }

  private record Lookup(VaultToken token, boolean fresh) {}

  private record LoginKey(
      String address,
      Optional<String> namespace,
      String trust,
      String authPath,
      String role,
      ServiceAccountRef serviceAccount,
      List<String> audiences) {
    /**
     * The token's audiences are part of the identity: a role bound to one audience must not hand
     * its login to a token of another (the store would refuse that token).
     */
    static LoginKey of(
        StoreConnection connection, KubernetesLogin login, ServiceAccountJwt claims) {
      return new LoginKey(
          connection.displayAddress(),
          connection.namespace(),
          trustIdentity(connection.tls()),
          login.authPath(),
          login.role(),
          login.serviceAccount(),
          claims.audiences());
    }
  }

  /**
   * What a connection's TLS setup trusts, as part of the login's identity: a token obtained over a
   * verified connection is never handed to a connection that verifies less or against other CAs
   * (skip-verify, another CA, another server name): it would be sent where the first connection's
   * checks no longer hold. PEMs are keyed by their SHA-256, not kept in the key.
   */
  static String trustIdentity(TlsOptions tls) {
    String trust;
    if (tls.skipVerify()) {
      trust = "skip-verify";
    } else if (tls.caCertPem().isPresent()) {
      trust = "pem:" + sha256(tls.caCertPem().get().strip());
    } else if (tls.caCertFile().isPresent()) {
      trust = "file:" + tls.caCertFile().get().toAbsolutePath().normalize();
    } else {
      trust = "system-cas";
    }
    return trust + tls.serverName().map(name -> "|server-name:" + name).orElse("");
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  private record CachedToken(LoginToken token, Instant obtainedAt) {
    /** Tokens without a TTL (TTL 0) are not reused: we cannot know when they stop working. */
    boolean cacheable() {
      return !token.getLeaseDuration().isZero() && !token.getLeaseDuration().isNegative();
    }

    boolean usableAt(Instant now) {
      Duration ttl = token.getLeaseDuration();
      return cacheable() && now.isBefore(obtainedAt.plus(ttl).minus(refreshMargin(ttl)));
    }
  }
}
