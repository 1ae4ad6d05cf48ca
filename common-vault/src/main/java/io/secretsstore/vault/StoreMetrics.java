package io.secretsstore.vault;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Objects;

/**
 * Micrometer meters for store traffic. Tags are low-cardinality on purpose: the operation and the
 * outcome ({@code success} or a {@link io.secretsstore.vault.error.StoreErrorKind#code()}); never a
 * path, a role or anything from a secret.
 *
 * <p>In Prometheus format:
 *
 * <ul>
 *   <li>{@code secrets_store_requests_seconds{operation,outcome}}: every store request (after
 *       retries: one sample per attempt), e.g. logins are {@code operation="login"};
 *   <li>{@code secrets_store_retries_total{operation,reason}}: attempts repeated after a retryable
 *       failure;
 *   <li>{@code secrets_store_fail_fast_total{operation}}: requests answered at once, without a
 *       connection, because nothing could connect to the store moments ago ({@link
 *       StoreReachability});
 *   <li>{@code secrets_store_token_cache_total{result}}: token cache lookups, {@code result} is
 *       {@code hit}, {@code miss} (a login was made) or {@code joined} (waited for another caller's
 *       login of the same identity).
 * </ul>
 */
public final class StoreMetrics {

  public static final String REQUESTS = "secrets_store.requests";
  public static final String RETRIES = "secrets_store.retries";
  public static final String FAIL_FAST = "secrets_store.fail_fast";
  public static final String TOKEN_CACHE = "secrets_store.token.cache";

  private final MeterRegistry registry;

  public StoreMetrics(MeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** Metrics kept in a private in-memory registry, for callers that do not export them. */
  public static StoreMetrics unexported() {
    return new StoreMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  Timer.Sample startRequest() {
    return Timer.start(registry);
  }

  void recordRequest(Timer.Sample sample, String operation, String outcome) {
    sample.stop(
        Timer.builder(REQUESTS)
            .description("Requests to the secrets store")
            .tag("operation", operation)
            .tag("outcome", outcome)
            .register(registry));
  }

  void recordRetry(String operation, String reason) {
    Counter.builder(RETRIES)
        .description("Store requests repeated after a retryable failure")
        .tag("operation", operation)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  void recordFailFast(String operation) {
    Counter.builder(FAIL_FAST)
        .description("Store requests failed without a connection: the store was unreachable")
        .tag("operation", operation)
        .register(registry)
        .increment();
  }

  /** Number of requests failed fast for an operation; for tests and benchmarks. */
  public long failFastCount(String operation) {
    Counter counter = registry.find(FAIL_FAST).tag("operation", operation).counter();
    return counter == null ? 0 : (long) counter.count();
  }

  /** Records a token cache lookup; {@code result} is hit, miss or joined. */
  public void recordTokenCache(String result) {
    Counter.builder(TOKEN_CACHE)
        .description("Store token cache lookups")
        .tag("result", result)
        .register(registry)
        .increment();
  }

  /** Number of requests recorded for an operation and outcome; for tests and benchmarks. */
  public long requestCount(String operation, String outcome) {
    Timer timer =
        registry.find(REQUESTS).tag("operation", operation).tag("outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  /** Number of token cache lookups with the given result; for tests and benchmarks. */
  public long tokenCacheCount(String result) {
    Counter counter = registry.find(TOKEN_CACHE).tag("result", result).counter();
    return counter == null ? 0 : (long) counter.count();
  }
}
