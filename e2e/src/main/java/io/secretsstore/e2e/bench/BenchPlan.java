package io.secretsstore.e2e.bench;

import java.time.Duration;
import java.util.List;

/**
 * How much the system benchmark does: pods per pod-start variant, replicas of each burst, rotation
 * cycles to observe, how long the store is away in the outage phase (0: no outage phase), pods left
 * in the injector's watch mode (0: none). {@link #full()} is {@code ./dev.sh bench system}; {@link
 * #smoke()} is the e2e suite's check that the harness works. Every count can be overridden with a
 * {@code bench.*} system property.
 */
public record BenchPlan(
    String name,
    int podsPerVariant,
    List<PodVariant> variants,
    int burstReplicas,
    List<PodVariant> burstVariants,
    int rotationCycles,
    Duration rotationInterval,
    Duration podTimeout,
    Duration burstTimeout,
    Duration outage,
    int webhookRequests,
    int watchPods) {

  public BenchPlan {
    if (podsPerVariant < 1
        || burstReplicas < 1
        || rotationCycles < 1
        || webhookRequests < 1
        || watchPods < 0) {
      throw new IllegalArgumentException("bench counts must be at least 1: " + name);
    }
    variants = List.copyOf(variants);
    burstVariants = List.copyOf(burstVariants);
  }

  /**
   * ./dev.sh bench system: issue 18's counts (>= 50 pods per variant, 100-pod bursts, 3 cycles).
   */
  public static BenchPlan full() {
    return withOverrides(
        new BenchPlan(
            "full",
            50,
            List.of(PodVariant.values()),
            100,
            List.of(PodVariant.FILES, PodVariant.ENV),
            3,
            Duration.ofSeconds(15),
            Duration.ofMinutes(3),
            Duration.ofMinutes(10),
            Duration.ofSeconds(60),
            200,
            10));
  }

  /** The e2e suite's smoke run: tiny counts, only that the harness works. */
  public static BenchPlan smoke() {
    return withOverrides(
        new BenchPlan(
            "smoke",
            2,
            List.of(PodVariant.values()),
            3,
            List.of(PodVariant.FILES, PodVariant.ENV),
            1,
            Duration.ofSeconds(15),
            Duration.ofMinutes(3),
            Duration.ofMinutes(6),
            Duration.ofSeconds(20),
            16,
            2));
  }

  private static BenchPlan withOverrides(BenchPlan plan) {
    return new BenchPlan(
        plan.name,
        Integer.getInteger("bench.podsPerVariant", plan.podsPerVariant),
        variants("bench.variants", plan.variants),
        Integer.getInteger("bench.burstReplicas", plan.burstReplicas),
        variants("bench.burstVariants", plan.burstVariants),
        Integer.getInteger("bench.rotationCycles", plan.rotationCycles),
        plan.rotationInterval,
        plan.podTimeout,
        plan.burstTimeout,
        Duration.ofSeconds(Long.getLong("bench.outageSeconds", plan.outage.toSeconds())),
        Integer.getInteger("bench.webhookRequests", plan.webhookRequests),
        Integer.getInteger("bench.watchPods", plan.watchPods));
  }

  private static List<PodVariant> variants(String property, List<PodVariant> fallback) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    return java.util.Arrays.stream(value.split(","))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .map(PodVariant::named)
        .toList();
  }
}
