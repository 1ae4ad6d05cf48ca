package io.secretsstore.daemon.startup;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;

/**
 * What both daemons' first request uses besides their own code: the first percentile-histogram
 * timer of the Prometheus registry (both time each request with one) and the first virtual thread
 * (the provider reads on them). Exercised on a throwaway registry, so no series appears in the
 * daemon's own {@code /actuator/prometheus}.
 */
final class RuntimeWarmUp implements WarmUp {

  @Override
  public List<Step> steps() {
    return List.of(
        new Step("meters", RuntimeWarmUp::meters),
        new Step("virtual thread", RuntimeWarmUp::virtualThread));
  }

  private static void meters() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    try {
      Timer timer =
          Timer.builder("warm_up")
              .tag("outcome", "success")
              .publishPercentileHistogram()
              .register(registry);
      timer.record(Duration.ofMillis(1));
      registry.counter("warm_up_total", "source", "store").increment();
      registry.scrape();
    } finally {
      registry.close();
    }
  }

  private static void virtualThread() throws InterruptedException {
    Thread.ofVirtual().name("warm-up").start(() -> {}).join();
  }
}
