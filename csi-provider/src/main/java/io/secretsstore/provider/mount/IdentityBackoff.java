package io.secretsstore.provider.mount;

import io.secretsstore.model.provider.ErrorCode;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Backoff of rotation across cycles, per verified identity. When an identity's store work fails in
 * a rotation cycle with a failure that another attempt may fix (store unreachable, timeout, 5xx,
 * 429; each request already had its own retries), the next cycles of that identity do not go to the
 * store: they get the same failure at once. After the {@code n}-th failed cycle in a row, {@code
 * min(2^(n-1), MAX_SKIPPED_CYCLES)} cycles are skipped, then the store is tried again. Any success
 * of the identity (a publish, or a cycle) ends the backoff. Within the failed cycle every other
 * call of the identity gets the failure too: one outage costs one attempt per identity per backoff
 * step, not one per volume per cycle.
 *
 * <p>Counted in cycles, not time: the provider learns a cycle from the driver's cycle id, and a
 * loaded node's slow cycle counts as one. Publishes (no cycle id) always go to the store; kubelet
 * paces them itself.
 */
final class IdentityBackoff {

  static final int MAX_SKIPPED_CYCLES = 4;

  /** A backoff no cycle touched for this long is forgotten. */
  static final Duration RETENTION = Duration.ofHours(1);

  private record State(
      int failedCycles,
      String failedCycle,
      Set<String> skippedCycles,
      MountException failure,
      long updatedAt) {

    int allowedSkips() {
      return (int) Math.min(MAX_SKIPPED_CYCLES, 1L << Math.min(failedCycles - 1, 20));
    }
  }

  private final ConcurrentHashMap<Object, State> states = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;

  IdentityBackoff() {
    this(System::nanoTime);
  }

  IdentityBackoff(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** The failures that start a backoff: the store's transient ones. */
  static boolean isTransient(ErrorCode code) {
    return code == ErrorCode.UNREACHABLE
        || code == ErrorCode.TIMEOUT
        || code == ErrorCode.SERVER_ERROR
        || code == ErrorCode.RATE_LIMITED;
  }

  /**
   * The failure to answer instead of going to the store in {@code cycle}, if {@code identity} is
   * backing off; empty if the store is to be tried.
   */
  Optional<MountException> skip(Object identity, String cycle) {
    MountException[] skipped = new MountException[1];
    states.computeIfPresent(
        identity,
        (key, state) -> {
          if (state.failedCycle().equals(cycle) || state.skippedCycles().contains(cycle)) {
            skipped[0] = state.failure();
            return state;
          }
          if (state.skippedCycles().size() < state.allowedSkips()) {
            Set<String> more = new LinkedHashSet<>(state.skippedCycles());
            more.add(cycle);
            skipped[0] = state.failure();
            return new State(
                state.failedCycles(),
                state.failedCycle(),
                Set.copyOf(more),
                state.failure(),
                nanoTime.getAsLong());
          }
          return state; // this cycle tries the store again
        });
    return Optional.ofNullable(skipped[0]);
  }

  /** {@code identity}'s store work failed in {@code cycle} with a transient failure. */
  void failed(Object identity, String cycle, MountException failure) {
    states.merge(
        identity,
        new State(1, cycle, Set.of(), failure, nanoTime.getAsLong()),
        (old, fresh) ->
            old.failedCycle().equals(cycle)
                ? old
                : new State(old.failedCycles() + 1, cycle, Set.of(), failure, fresh.updatedAt()));
  }

  /** {@code identity} reached the store: no backoff. */
  void succeeded(Object identity) {
    if (!states.isEmpty()) {
      states.remove(identity);
    }
  }

  /** Forgets identities no cycle asked about for {@link #RETENTION}. */
  void evictExpired() {
    long now = nanoTime.getAsLong();
    states.values().removeIf(state -> now - state.updatedAt() > RETENTION.toNanos());
  }

  int size() {
    return states.size();
  }
}
