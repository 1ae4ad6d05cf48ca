package io.secretsstore.provider.mount;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * Provider meters (Prometheus names):
 *
 * <ul>
 *   <li>{@code secrets_store_provider_mount_seconds{outcome}}: mount latency; outcome is {@code
 *       success} or the error code;
 *   <li>{@code secrets_store_provider_reads_total{source}}: secret reads per source: {@code store}
 *       (a request to the store), {@code coalesced} (joined an identical read in flight), {@code
 *       cached} (reused a read finished moments ago, or a write's result within its lease), {@code
 *       shared} (a second file of the same secret in one mount), {@code backoff} (not asked: the
 *       identity backs off after failed rotation cycles).
 * </ul>
 *
 * Logins, raw store requests and token reuse are counted by common-vault's {@code
 * secrets_store_requests_seconds} and {@code secrets_store_token_cache_total}.
 */
public final class ProviderMetrics {

  private final MeterRegistry registry;

  public ProviderMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  Timer.Sample start() {
    return Timer.start(registry);
  }

  void mountFinished(Timer.Sample sample, String outcome) {
    sample.stop(
        Timer.builder("secrets_store.provider.mount")
            .description("Mount requests served by the provider")
            .tag("outcome", outcome)
            .publishPercentileHistogram()
            .register(registry));
  }

  void read(String source, int count) {
    Counter.builder("secrets_store.provider.reads")
        .description("Secret reads by how they were served")
        .tag("source", source)
        .register(registry)
        .increment(count);
  }

  /** Mounts finished with {@code outcome} ({@code success} or an error code); for tests. */
  public long mounts(String outcome) {
    Timer timer = registry.find("secrets_store.provider.mount").tag("outcome", outcome).timer();
    return timer == null ? 0 : timer.count();
  }

  /** Reads served from {@code source}; for tests and benchmarks. */
  public long reads(String source) {
    Counter counter = registry.find("secrets_store.provider.reads").tag("source", source).counter();
    return counter == null ? 0 : (long) counter.count();
  }
}
