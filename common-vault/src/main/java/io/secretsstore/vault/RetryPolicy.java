package io.secretsstore.vault;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded retries with "full jitter" exponential backoff.
 *
 * <p>Only failures that another attempt can fix are retried: connection errors, timeouts, HTTP 429
 * and 5xx. Other 4xx answers (denied, not found, bad request) are final on the first attempt.
 *
 * @param maxAttempts total attempts including the first, at least 1
 * @param initialBackoff upper bound of the first pause
 * @param maxBackoff upper bound of any pause
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {

  /** Three attempts, pauses of up to 100 ms, 200 ms: enough for a restarting store or a 429. */
  public static final RetryPolicy DEFAULT =
      new RetryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(2));

  /**
   * The longest {@code Retry-After} (429/503) that is waited out; a store that asks for longer
   * fails the request at once (the caller's own schedule retries later).
   */
  public static final Duration MAX_RETRY_AFTER = Duration.ofSeconds(5);

  /** A single attempt. */
  public static final RetryPolicy NONE = new RetryPolicy(1, Duration.ZERO, Duration.ZERO);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1, was " + maxAttempts);
    }
    Objects.requireNonNull(initialBackoff, "initialBackoff");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
    if (initialBackoff.isNegative() || maxBackoff.isNegative()) {
      throw new IllegalArgumentException("backoff durations must not be negative");
    }
  }

  /**
   * The pause before attempt {@code attempt + 1}, after {@code attempt} failed attempts: a random
   * duration between zero and {@code min(maxBackoff, initialBackoff * 2^(attempt-1))}.
   */
  public Duration backoffAfter(int attempt) {
    long capMillis = initialBackoff.toMillis() << Math.min(Math.max(attempt - 1, 0), 20);
    capMillis = Math.min(capMillis, maxBackoff.toMillis());
    if (capMillis <= 0) {
      return Duration.ZERO;
    }
    return Duration.ofMillis(ThreadLocalRandom.current().nextLong(capMillis + 1));
  }
}
