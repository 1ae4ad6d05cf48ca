package io.secretsstore.provider.mount;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.function.Supplier;

/**
 * Results of writes ({@code method: POST/PUT} objects: a PKI certificate issued, dynamic
 * credentials) reused per (verified identity, path, arguments) until their lease nears its end,
 * instead of a new certificate or credential on every mount and every rotation cycle. Concurrent
 * identical writes share one request. A failed write is not kept (the next call writes again); a
 * write is never repeated by the store client once it reached the store.
 *
 * <p>Lifetime: the answer's {@code lease_duration}, else its {@code data.expiration} (unix seconds:
 * the PKI engine's certificates), else {@link #WITHOUT_LEASE}. A result is reused for the first
 * {@link #REUSE_FRACTION_PERCENT} % of its lifetime, so what a pod gets has at least a third of it
 * left.
 */
final class IssuedWrites {

  static final Duration WITHOUT_LEASE = Duration.ofHours(24);
  static final int REUSE_FRACTION_PERCENT = 66;
  static final int MAX_ENTRIES = 10_000;

  private record Issued(SecretData data, Instant reuseUntil) {}

  private final ConcurrentHashMap<Object, CompletableFuture<Issued>> entries =
      new ConcurrentHashMap<>();
  private final Clock clock;

  IssuedWrites(Clock clock) {
    this.clock = clock;
  }

  /** The write's result: a reused one that is still fresh enough, or {@code writer}'s. */
  SharedReads.Result write(Object key, Supplier<SecretData> writer) {
    while (true) {
      CompletableFuture<Issued> existing = entries.get(key);
      if (existing != null) {
        if (!existing.isDone()) {
          Optional<Issued> joined = await(existing);
          if (joined.isEmpty()) {
            continue; // its owner was cancelled before the store answered
          }
          return new SharedReads.Result(joined.get().data(), SharedReads.Source.COALESCED);
        }
        if (!existing.isCompletedExceptionally()
            && clock.instant().isBefore(existing.join().reuseUntil())) {
          return new SharedReads.Result(existing.join().data(), SharedReads.Source.CACHED);
        }
        entries.remove(key, existing);
        continue;
      }
      CompletableFuture<Issued> mine = new CompletableFuture<>();
      if (entries.putIfAbsent(key, mine) != null) {
        continue;
      }
      try {
        Instant issuedAt = clock.instant();
        SecretData data = writer.get();
        Issued issued = new Issued(data, issuedAt.plus(reuseFor(data, issuedAt)));
        mine.complete(issued);
        if (entries.size() > MAX_ENTRIES || !issued.reuseUntil().isAfter(issuedAt)) {
          entries.remove(key, mine);
        }
        return new SharedReads.Result(data, SharedReads.Source.STORE);
      } catch (RuntimeException e) {
        entries.remove(key, mine);
        mine.completeExceptionally(e);
        throw e;
      }
    }
  }

  /** How long a result issued at {@code issuedAt} is reused. */
  static Duration reuseFor(SecretData data, Instant issuedAt) {
    Duration lifetime = WITHOUT_LEASE;
    Object lease = data.response() == null ? null : data.response().body().get("lease_duration");
    Object expiration = data.data().get("expiration");
    if (lease instanceof Number seconds && seconds.longValue() > 0) {
      lifetime = Duration.ofSeconds(seconds.longValue());
    } else if (expiration instanceof Number unixSeconds && unixSeconds.longValue() > 0) {
      lifetime = Duration.between(issuedAt, Instant.ofEpochSecond(unixSeconds.longValue()));
    }
    if (lifetime.isNegative()) {
      return Duration.ZERO;
    }
    return lifetime.multipliedBy(REUSE_FRACTION_PERCENT).dividedBy(100);
  }

  /** Drops results past their reuse. */
  void evictExpired() {
    Instant now = clock.instant();
    entries
        .values()
        .removeIf(
            entry ->
                entry.isDone()
                    && (entry.isCompletedExceptionally()
                        || !now.isBefore(entry.join().reuseUntil())));
  }

  int size() {
    return entries.size();
  }

  /** Another caller's write: its result, or empty if that caller was cancelled. */
  private static Optional<Issued> await(CompletableFuture<Issued> inFlight) {
    try {
      return Optional.of(inFlight.get());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw SharedReads.cancelledWhileWaiting(e);
    } catch (ExecutionException e) {
      if (SharedReads.isCancellation(e.getCause())) {
        return Optional.empty();
      }
      if (e.getCause() instanceof RuntimeException cause) {
        throw cause;
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
