package io.secretsstore.vault;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Fail-fast for a store that nothing can connect to. After a connection to an address was refused
 * (or timed out, or its name did not resolve), requests to that address fail at once, without a
 * connection, for a hold that starts at {@link #FIRST_HOLD} and doubles with every further failed
 * probe up to the configured maximum. When the hold has passed, one request (the probe) goes to the
 * store while the others keep failing fast; any answer from the store ends it.
 *
 * <p>Why: during an outage kubelet keeps publishing every waiting volume (each with its own
 * backoff), and each publish used to spend its retries on connections that could not succeed; on a
 * node with a hundred waiting pods that is dozens of connection attempts a second against a store
 * that is coming back. With this, one address costs one attempt per hold, whatever the number of
 * pods, and a returning store is noticed within one hold.
 *
 * <p>Keyed by scheme, host and port: connections that differ in Vault namespace or TLS trust reach
 * the same listener. {@link #ALWAYS_TRY} keeps no state (every attempt connects).
 */
public final class StoreReachability {

  /** The hold after the first failed connection. */
  public static final Duration FIRST_HOLD = Duration.ofSeconds(1);

  /** Every attempt goes to the store. */
  public static final StoreReachability ALWAYS_TRY = new StoreReachability(Duration.ZERO);

  /** What an attempt's end says about the address. */
  enum Outcome {
    /** The store answered (any HTTP status, or a TLS handshake): reachable. */
    REACHED,
    /** No connection could be made. */
    UNREACHABLE,
    /** Nothing learned (cancelled, or a request timeout after the connection was made). */
    UNKNOWN
  }

  /**
   * One address nothing could connect to.
   *
   * @param failedProbes failed connection waves in a row (concurrent failures count once)
   * @param until when the hold ends (nano time)
   * @param cause the last failure's description, for the fail-fast message
   * @param probing whether a probe is in flight
   */
  private record Down(int failedProbes, long until, String cause, boolean probing) {}

  private final long maxHoldNanos;
  private final LongSupplier nanoTime;
  private final ConcurrentHashMap<String, Down> down = new ConcurrentHashMap<>();

  /**
   * @param maxHold the longest hold; zero turns fail-fast off
   */
  public StoreReachability(Duration maxHold) {
    this(maxHold, System::nanoTime);
  }

  StoreReachability(Duration maxHold, LongSupplier nanoTime) {
    if (maxHold.isNegative()) {
      throw new IllegalArgumentException("the unreachable hold must not be negative");
    }
    this.maxHoldNanos = maxHold.toNanos();
    this.nanoTime = nanoTime;
  }

  public boolean enabled() {
    return maxHoldNanos > 0;
  }

  /** The hold after {@code failedProbes} failed probes in a row. */
  Duration hold(int failedProbes) {
    long nanos = FIRST_HOLD.toNanos() << Math.min(Math.max(failedProbes - 1, 0), 20);
    return Duration.ofNanos(Math.min(nanos, maxHoldNanos));
  }

  /**
   * Whether an attempt to {@code address} may go to the store now. Empty if it may (the caller must
   * then report the attempt's {@link #attempted outcome}); otherwise why it must not, in words.
   */
  Optional<String> refusal(URI address) {
    if (!enabled() || down.isEmpty()) {
      return Optional.empty();
    }
    String[] refused = new String[1];
    down.computeIfPresent(
        key(address),
        (key, state) -> {
          long now = nanoTime.getAsLong();
          if (now - state.until() < 0 || state.probing()) {
            refused[0] = describe(state);
            return state;
          }
          return new Down(state.failedProbes(), state.until(), state.cause(), true);
        });
    return Optional.ofNullable(refused[0]);
  }

  /** Reports how an attempt that {@link #refusal} let through ended. */
  void attempted(URI address, Outcome outcome, String cause) {
    if (!enabled()) {
      return;
    }
    String key = key(address);
    switch (outcome) {
      case REACHED -> {
        if (!down.isEmpty()) {
          down.remove(key);
        }
      }
      case UNREACHABLE -> {
        long now = nanoTime.getAsLong();
        down.merge(
            key,
            new Down(1, now + hold(1).toNanos(), cause, false),
            (old, first) -> {
              if (!old.probing() && now - old.until() < 0) {
                // A request of the wave that opened the hold: the same outage, counted once.
                return old;
              }
              int failed = old.failedProbes() + 1;
              return new Down(failed, now + hold(failed).toNanos(), cause, false);
            });
      }
      case UNKNOWN ->
          down.computeIfPresent(
              key,
              (k, state) ->
                  state.probing()
                      ? new Down(state.failedProbes(), state.until(), state.cause(), false)
                      : state);
    }
  }

  /** Addresses held now (for tests and metrics). */
  public int heldAddresses() {
    return down.size();
  }

  /**
   * The same words for every refusal of one outage (no countdown, no counter): a pod's Events count
   * repeats of one message up instead of piling up new ones.
   */
  private String describe(Down state) {
    return state.cause()
        + "; not contacted again yet: a connection failed moments ago, one attempt is made every "
        + FIRST_HOLD.toSeconds()
        + "-"
        + Math.max(FIRST_HOLD.toSeconds(), Duration.ofNanos(maxHoldNanos).toSeconds())
        + " s until the store answers";
  }

  private static String key(URI address) {
    int port = address.getPort();
    if (port < 0) {
      port = "https".equalsIgnoreCase(address.getScheme()) ? 443 : 80;
    }
    String host = address.getHost() == null ? "" : address.getHost().toLowerCase(Locale.ROOT);
    return address.getScheme().toLowerCase(Locale.ROOT) + "://" + host + ":" + port;
  }
}
