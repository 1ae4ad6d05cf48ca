package io.secretsstore.injector.watch;

import io.secretsstore.injector.log.InjectorLog;
import io.secretsstore.injector.resolve.EnvironmentResolver.SecretLease;
import io.secretsstore.injector.resolve.ResolutionException;
import io.secretsstore.injector.resolve.StoreSession;
import io.secretsstore.injector.store.InjectorStoreClient.Lease;
import io.secretsstore.injector.store.InjectorStoreClient.Token;
import io.secretsstore.vault.error.StoreException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * watch-for-lease: keeps the leases of the dynamic secrets the application got (database
 * credentials, ...) and the store token that owns them alive, and says when the application must
 * restart: a renewal failed, or a lease (or the token, whose end revokes its leases) would end
 * before the next check could renew it: its maximum TTL is near, or it is not renewable.
 */
final class LeaseKeeper {

  private record Held(String path, Lease lease, Instant expires) {}

  private final StoreSession store;
  private final InjectorLog log;
  private final Supplier<Instant> clock;
  private final Duration loginTimeout;
  private final List<Held> leases = new ArrayList<>();
  private Instant tokenExpires;

  LeaseKeeper(
      StoreSession store,
      InjectorLog log,
      List<SecretLease> leases,
      Duration loginTimeout,
      Supplier<Instant> clock) {
    this.store = store;
    this.log = log;
    this.clock = clock;
    this.loginTimeout = loginTimeout;
    Instant now = clock.get();
    for (SecretLease held : leases) {
      this.leases.add(new Held(held.path(), held.lease(), now.plus(held.lease().duration())));
    }
    Token token = store.token();
    tokenExpires = expiry(now, token.leaseDuration());
  }

  int leaseCount() {
    return leases.size();
  }

  /**
   * Renews what needs renewing.
   *
   * @param untilNextCheck how long a lease must last to be renewed at the next check
   * @param restartTime how long stopping the application takes, on top of that, once a lease is
   *     going to end for good
   * @return null while all is well, otherwise why the application must restart
   */
  String check(Duration untilNextCheck, Duration restartTime) {
    Instant now = clock.get();
    Instant nextCheck = now.plus(untilNextCheck);
    Instant lastChance = nextCheck.plus(restartTime);
    String reason = renewToken(now, lastChance);
    if (reason != null) {
      return reason;
    }
    List<Held> renewed = new ArrayList<>();
    for (Held held : leases) {
      Lease lease = held.lease();
      if (!lease.renewable()) {
        if (held.expires().isBefore(lastChance)) {
          return "the lease of " + held.path() + " is not renewable and ends at " + held.expires();
        }
        renewed.add(held);
        continue;
      }
      Lease granted;
      try {
        granted = store.renewLease(lease);
      } catch (StoreException e) {
        return "the lease of " + held.path() + " could not be renewed: " + e.getMessage();
      }
      Instant expires = now.plus(granted.duration());
      // Less than asked for: the store capped it at the lease's maximum TTL, so it ends for good.
      boolean capped = granted.duration().compareTo(lease.duration()) < 0;
      if (capped && expires.isBefore(lastChance)) {
        return "the lease of "
            + held.path()
            + " reaches its maximum TTL at "
            + expires
            + ", before it could be renewed again";
      }
      if (expires.isBefore(nextCheck)) {
        return "the lease of "
            + held.path()
            + " lasts "
            + granted.duration().toSeconds()
            + " s, less than the time to the next check (VAULT_POLL_INTERVAL)";
      }
      log.debug("renewed the lease of " + held.path() + " for " + granted.duration());
      renewed.add(new Held(held.path(), lease, expires));
    }
    leases.clear();
    leases.addAll(renewed);
    return null;
  }

  /** The token owns the leases: when it ends, the store revokes them. */
  private String renewToken(Instant now, Instant lastChance) {
    Token token = store.token();
    if (!token.renewable()) {
      if (tokenExpires != null && tokenExpires.isBefore(lastChance)) {
        return leases.isEmpty()
            ? relogin("the store token is not renewable and ends at " + tokenExpires)
            : "the store token that holds the leases is not renewable and ends at " + tokenExpires;
      }
      return null;
    }
    Duration asked = token.leaseDuration();
    Token renewed;
    try {
      renewed = store.renewToken();
      tokenExpires = expiry(now, renewed.leaseDuration());
    } catch (StoreException e) {
      return leases.isEmpty()
          ? relogin("renewing the store token failed: " + e.getMessage())
          : "the store token that holds the leases can no longer be renewed (its leases end with"
              + " it): "
              + e.getMessage();
    }
    boolean capped = renewed.leaseDuration().compareTo(asked) < 0;
    if (capped && tokenExpires != null && tokenExpires.isBefore(lastChance)) {
      return leases.isEmpty()
          ? relogin("the store token reaches its maximum TTL at " + tokenExpires)
          : "the store token that holds the leases reaches its maximum TTL at "
              + tokenExpires
              + " (its leases end with it)";
    }
    return null;
  }

  /** Without leases, a new login is as good as the old token. */
  private String relogin(String why) {
    log.info(why + "; logging in again");
    try {
      store.login(clock.get().plus(loginTimeout));
      tokenExpires = expiry(clock.get(), store.token().leaseDuration());
      return null;
    } catch (ResolutionException e) {
      return why + ", and a new login failed: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  /** Null for a token without expiry (TTL 0). */
  private static Instant expiry(Instant now, Duration ttl) {
    return ttl.isZero() ? null : now.plus(ttl);
  }
}
